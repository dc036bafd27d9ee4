// Enhancements only: every action works without this script.
document.addEventListener("DOMContentLoaded", function () {
  // Portfolio filters: apply as soon as a select changes.
  document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.requestSubmit(); });
  });

  // A small formatting toolbar over a text area (the minutes): headings, lists and bold,
  // written as the same Markdown the server reads. Labels come from data-toolbar-* so
  // that they are in the page's language.
  document.querySelectorAll("textarea[data-toolbar]").forEach(function (area) {
    var bar = document.createElement("div");
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", area.dataset.toolbar);
    bar.setAttribute("aria-controls", area.id);
    bar.className = "md-toolbar";
    var tools = [
      ["heading", function (text) { return "## " + (text || area.dataset.toolbarHeadingSample); }, true],
      ["list", function (text) {
        return (text || area.dataset.toolbarListSample).split("\n").map(function (l) { return "- " + l; }).join("\n");
      }, true],
      ["bold", function (text) { return "**" + (text || area.dataset.toolbarBoldSample) + "**"; }, false]
    ];
    tools.forEach(function (tool) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "secondary";
      button.textContent = area.dataset["toolbar" + tool[0][0].toUpperCase() + tool[0].slice(1)];
      button.addEventListener("click", function () {
        var start = area.selectionStart, end = area.selectionEnd, value = area.value;
        var chosen = value.slice(start, end);
        var block = tool[2];
        var before = value.slice(0, start), after = value.slice(end);
        if (block && before && !before.endsWith("\n")) { before += "\n"; }
        if (block && after && !after.startsWith("\n")) { after = "\n" + after; }
        var inserted = tool[1](chosen);
        area.value = before + inserted + after;
        area.focus();
        area.setSelectionRange(before.length, before.length + inserted.length);
        area.dispatchEvent(new Event("input"));
      });
      bar.appendChild(button);
    });
    area.parentNode.insertBefore(bar, area);
  });
});
