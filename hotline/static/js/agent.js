/* Agent console: live analysis while typing (debounced), one-click merge / answer, Ctrl+Enter submits. */
"use strict";
(function () {
  var h = window.hotline;
  var form = document.getElementById("intake");
  if (!form) return;
  var fields = ["content", "address", "citizen-phone", "request-type", "category-code"];
  var timer = null, seq = 0, last = null;

  function value(id) { var n = document.getElementById(id); return n ? n.value : ""; }

  function showOutcomeFields() {
    var outcome = (form.querySelector('input[name="outcome"]:checked') || {}).value;
    document.getElementById("dispatch-fields").classList.toggle("hidden", outcome !== "dispatch");
    document.getElementById("reject-fields").classList.toggle("hidden", outcome !== "reject");
  }

  function submitAs(outcome) {
    document.getElementById("outcome-" + outcome).checked = true;
    form.requestSubmit();
  }

  function render(data) {
    var empty = document.getElementById("analysis-empty"), body = document.getElementById("analysis-body");
    if (!data.ready) { empty.classList.remove("hidden"); body.classList.add("hidden"); return; }
    last = data;
    empty.classList.add("hidden"); body.classList.remove("hidden");
    var cats = document.getElementById("an-categories"); h.clear(cats);
    data.categories.forEach(function (c, i) {
      var span = h.el("span", {"class": i === 0 ? "tag blue" : "tag"}, c.name + " " + h.pct(c.probability));
      cats.appendChild(span); cats.appendChild(document.createTextNode(" "));
    });
    document.getElementById("an-type").textContent = data.request_type_name || "—";
    var urg = document.getElementById("an-urgency"); h.clear(urg);
    urg.appendChild(h.el("span", {"class": data.urgency.referral || data.urgency.level === "emergency" ? "tag bad" : "tag"},
      data.urgency.name + (data.urgency.referral ? " · 建议转 " + data.urgency.referral : "")));
    urg.appendChild(h.el("span", {"class": "small muted"}, " " + (data.urgency.reason || "")));
    document.getElementById("an-place").textContent = [data.jurisdiction.district, data.jurisdiction.street].filter(Boolean).join(" ") || "未能识别";
    var d = data.decision;
    document.getElementById("an-unit").textContent = d.unit_name ? d.unit_name + (d.probability !== null ? "（置信度 " + h.pct(d.probability) + "）" : "") : "—";
    document.getElementById("an-reason").textContent = (d.auto ? "可自动派单。" : "需人工分拨：") + (d.reason || "");
    document.getElementById("use-suggestion").disabled = !d.unit;
    var dup = document.getElementById("an-duplicates"); h.clear(dup);
    if (!data.duplicates.length) dup.appendChild(h.el("span", {"class": "muted"}, "未发现"));
    data.duplicates.forEach(function (item) {
      var box = h.el("div", {"class": "suggest"});
      box.appendChild(h.el("span", {"class": "p"}, h.pct(item.score)));
      box.appendChild(h.el("strong", {}, item.ticket_no + " "));
      box.appendChild(h.el("span", {"class": "tag"}, item.status));
      box.appendChild(h.el("div", {}, item.content));
      box.appendChild(h.el("div", {"class": "muted"}, item.reason));
      var b = h.el("button", {"type": "button", "class": "small", "data-merge": item.ticket_no}, "登记并并入此单");
      b.addEventListener("click", function () { document.getElementById("into").value = item.ticket_no; submitAs("merge"); });
      box.appendChild(b);
      dup.appendChild(box);
    });
    var answers = document.getElementById("an-answers"); h.clear(answers);
    document.getElementById("an-answers-box").classList.toggle("hidden", !data.answers.length);
    data.answers.forEach(function (a) {
      var box = h.el("div", {"class": "suggest"});
      box.appendChild(h.el("span", {"class": "p"}, h.pct(a.score)));
      box.appendChild(h.el("strong", {}, a.question));
      box.appendChild(h.el("div", {}, a.answer));
      var b = h.el("button", {"type": "button", "class": "small blue", "data-answer": String(a.id)}, "以此答复并办结");
      b.addEventListener("click", function () { document.getElementById("article-id").value = a.id; submitAs("answer"); });
      box.appendChild(b);
      answers.appendChild(box);
    });
  }

  function analyse() {
    var mine = ++seq;
    h.postJSON(form.getAttribute("data-analyse") || "/agent/analyse", {
      content: value("content"), address: value("address"), phone: value("citizen-phone"),
      request_type: value("request-type"), category_code: value("category-code")
    }).then(function (data) { if (mine === seq) render(data); }, function () {});
  }

  function schedule() { clearTimeout(timer); timer = setTimeout(analyse, 400); }

  fields.forEach(function (id) {
    var node = document.getElementById(id);
    if (node) { node.addEventListener("input", schedule); node.addEventListener("change", schedule); }
  });
  Array.prototype.forEach.call(form.querySelectorAll('input[name="outcome"]'), function (r) {
    r.addEventListener("change", showOutcomeFields);
  });
  document.getElementById("use-suggestion").addEventListener("click", function () {
    if (!last || !last.decision.unit) return;
    document.getElementById("unit").value = last.decision.unit;
    if (last.decision.category) document.getElementById("category").value = last.decision.category;
    document.getElementById("outcome-dispatch").checked = true;
    showOutcomeFields();
    document.getElementById("submit").focus();
  });
  document.addEventListener("keydown", function (e) {
    if ((e.ctrlKey || e.metaKey) && e.key === "Enter") { e.preventDefault(); form.requestSubmit(); }
  });
  form.addEventListener("reset", function () {
    setTimeout(function () { render({ready: false}); showOutcomeFields(); document.getElementById("content").focus(); }, 0);
  });
  showOutcomeFields();
  if (value("content")) schedule();
  document.getElementById("content").focus();
})();
