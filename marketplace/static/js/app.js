// Loaded in the head: with JavaScript the phone menu folds behind its button
// (the CSS keeps it open under .no-js, where the button could not open it).
document.documentElement.classList.remove("no-js");

// Ask before irreversible buttons (forms marked data-confirm); no inline scripts.
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

// A form being sent says so on its button and takes no second press (a slow
// network invites a second tap). Later in the same task than the submit
// event, so the pressed button's own name and value still go with the form;
// without JavaScript the form is simply sent.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (event.defaultPrevented || form.target) {
    return;  // refused by the confirm above, or opening elsewhere
  }
  var button = event.submitter || form.querySelector("[type=submit]");
  if (!button || button.disabled) {
    return;
  }
  var label = document.body.getAttribute("data-sending");
  setTimeout(function () {
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    if (label && button.tagName === "BUTTON") {
      button.wangtaoLabel = button.innerHTML;  // its icon too
      button.textContent = label;
    }
  }, 0);
  // A download (no new page) would leave it pressed: free it again later.
  setTimeout(function () { release(button); }, 10000);
});

function release(button) {
  button.disabled = false;
  button.removeAttribute("aria-busy");
  if (button.wangtaoLabel !== undefined) {
    button.innerHTML = button.wangtaoLabel;
    delete button.wangtaoLabel;
  }
}

// Back to a page kept by the browser: its buttons work again.
window.addEventListener("pageshow", function (event) {
  if (event.persisted) {
    document.querySelectorAll("[aria-busy=true]").forEach(release);
  }
});

// The service worker: an offline page when the network is gone (see /sw.js).
if ("serviceWorker" in navigator) {
  window.addEventListener("load", function () {
    var script = document.body.getAttribute("data-sw");
    if (script) {
      navigator.serviceWorker.register(script, {scope: "/"}).catch(function () {});
    }
  });
}

// The service page's bottom bar (加入该项目) steps aside while the join
// section itself is on the screen: one button, not two. (This script runs
// in the head: wait for the page.)
document.addEventListener("DOMContentLoaded", function () {
  var bar = document.querySelector(".join-bar");
  var section = document.getElementById("join");
  if (!bar || !section || !("IntersectionObserver" in window)) {
    return;
  }
  new IntersectionObserver(function (entries) {
    bar.hidden = entries[0].isIntersecting;
  }).observe(section);
});
