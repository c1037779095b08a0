// Shows when the browser ran the page's script, proving the static JavaScript loaded.
document.addEventListener("DOMContentLoaded", () => {
  const target = document.getElementById("rendered-at");
  target.textContent = `Script loaded at ${new Date().toISOString()}.`;
});
