// Shows the certificate page's Print button (hidden without JavaScript) and prints on click.
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
