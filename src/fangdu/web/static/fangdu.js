// Progressive enhancement only: every page works without it.
// A form marked data-busy disables its button while the server checks the image.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-busy")) return;
  const button = event.submitter || form.querySelector("button[type=submit]");
  if (button && button.dataset.busyText) {
    // Disabled after this tick, so the button's own name and value are still submitted.
    setTimeout(() => {
      button.disabled = true;
      button.textContent = button.dataset.busyText;
    }, 0);
  }
});
