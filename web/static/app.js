// Copy buttons: a button with data-copy="ID" copies the text of element ID.
// The only script of the web UI; everything works without it.
document.addEventListener("click", function (ev) {
  var btn = ev.target.closest("button[data-copy]");
  if (!btn) return;
  var el = document.getElementById(btn.getAttribute("data-copy"));
  if (!el || !navigator.clipboard) return;
  navigator.clipboard.writeText(el.textContent).then(function () {
    var was = btn.textContent;
    btn.textContent = "Copied";
    btn.classList.add("done");
    setTimeout(function () { btn.textContent = was; btn.classList.remove("done"); }, 1600);
  });
});
