// The printable summary (templates/reporting/summary.html). Progressive enhancement only: without JavaScript
// the "Print this summary" link opens the print view and the browser's own Print command does the rest.
const button = document.querySelector(".app-print-button");
if (button) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}

// A closed <details> prints empty: open every one for printing, and close again those that were closed.
let closed = [];
window.addEventListener("beforeprint", () => {
  closed = [...document.querySelectorAll("details:not([open])")];
  closed.forEach((details) => { details.open = true; });
});
window.addEventListener("afterprint", () => {
  closed.forEach((details) => { details.open = false; });
  closed = [];
});
