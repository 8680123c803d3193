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
