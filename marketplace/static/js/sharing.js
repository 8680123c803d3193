// Sharing: the print button of the poster and the copy button of a share link.
// Marked with data attributes (the CSP allows no inline script).
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-print], [data-copy]");
  if (!button) {
    return;
  }
  if (button.hasAttribute("data-print")) {
    window.print();
    return;
  }
  var text = button.getAttribute("data-copy");
  if (navigator.clipboard && navigator.clipboard.writeText) {
    navigator.clipboard.writeText(text).then(function () {
      button.textContent = button.getAttribute("data-copied");
    });
  }
});
