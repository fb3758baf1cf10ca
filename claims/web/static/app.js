// Our own small script: partial updates of the work queue, batch progress, upload progress.
// Everything works without it (plain links and forms); it only saves page loads.
"use strict";

function swapQueue(form, url) {
  const target = document.getElementById("queue");
  if (!target) { window.location.href = url; return; }
  target.setAttribute("aria-busy", "true");
  fetch(url, { headers: { "X-Partial": "queue" }, credentials: "same-origin" })
    .then((r) => { if (!r.ok) throw new Error(String(r.status)); return r.text(); })
    .then((html) => {
      target.innerHTML = html;
      target.removeAttribute("aria-busy");
      history.replaceState(null, "", url);
    })
    .catch(() => { window.location.href = url; });
}

function queueUrl(form) {
  const params = new URLSearchParams();
  for (const [k, v] of new FormData(form)) { if (v) params.append(k, String(v)); }
  const q = params.toString();
  return form.getAttribute("action") + (q ? "?" + q : "");
}

function setupQueue() {
  const form = document.querySelector("form[data-partial=queue]");
  if (!form) return;
  form.addEventListener("change", () => swapQueue(form, queueUrl(form)));
  form.addEventListener("submit", (e) => { e.preventDefault(); swapQueue(form, queueUrl(form)); });
  // Status counts and pager links inside the queue update the table in place too.
  document.getElementById("queue").addEventListener("click", (e) => {
    const a = e.target.closest("a[href^='/claims?']");
    if (!a || e.ctrlKey || e.metaKey) return;
    e.preventDefault();
    swapQueue(form, a.getAttribute("href"));
  });
}

function setupAutosubmit() {
  document.querySelectorAll("[data-autosubmit]").forEach((el) => {
    el.addEventListener("change", () => el.form.submit());
  });
}

function setupBatchProgress() {
  const box = document.querySelector("[data-progress-url]");
  if (!box) return;
  const url = box.getAttribute("data-progress-url");
  const bar = document.getElementById("batch-progress");
  const done = document.getElementById("progress-done");
  const failed = document.getElementById("progress-failed");
  const state = document.getElementById("progress-state");
  let delay = 1000;
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => r.json())
      .then((p) => {
        bar.max = p.total; bar.value = p.done + p.failed;
        done.textContent = p.done; failed.textContent = p.failed;
        const answered = document.getElementById("progress-answered");
        if (answered) { answered.textContent = p.answered; }
        state.textContent = p.finished ? state.dataset.doneText : state.dataset.runningText;
        for (const [id, label] of Object.entries(p.claims || {})) {
          const cell = document.querySelector(`[data-claim-status="${id}"] .status`);
          if (cell) { cell.textContent = label; }
        }
        box.dataset.finished = p.finished ? "yes" : "no";
        if (!p.finished) { delay = Math.min(delay * 1.3, 10000); setTimeout(poll, delay); }
      })
      .catch(() => setTimeout(poll, 10000));
  }
  poll();
}

function setupJobProgress() {
  const box = document.querySelector("[data-job-url]");
  if (!box || box.dataset.finished === "yes") return;
  const url = box.getAttribute("data-job-url");
  const bar = document.getElementById("job-progress");
  const done = document.getElementById("job-done");
  const total = document.getElementById("job-total");
  const state = document.getElementById("job-state");
  const message = document.getElementById("job-message");
  const result = document.getElementById("job-result");
  let delay = 500;
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then((p) => {
        bar.max = Math.max(p.total, 1); bar.value = p.done;
        done.textContent = p.done; total.textContent = p.total;
        state.textContent = p.state_text; state.dataset.state = p.state;
        message.textContent = p.message;
        if (p.finished) {
          box.dataset.finished = "yes";
          if (p.state === "done") { result.hidden = false; }
          return;
        }
        delay = Math.min(delay * 1.3, 5000);
        setTimeout(poll, delay);
      })
      .catch(() => setTimeout(poll, 5000));
  }
  setTimeout(poll, delay);
}

function setupUpload() {
  document.querySelectorAll("form[data-upload]").forEach((form) => {
    const bar = form.querySelector(".upload-progress");
    form.addEventListener("submit", (e) => {
      if (!window.XMLHttpRequest || !bar) return;
      e.preventDefault();
      const xhr = new XMLHttpRequest();
      bar.hidden = false;
      xhr.upload.addEventListener("progress", (ev) => { if (ev.lengthComputable) bar.value = (100 * ev.loaded) / ev.total; });
      xhr.addEventListener("load", () => { document.open(); document.write(xhr.responseText); document.close(); });
      xhr.open("POST", form.action);
      xhr.send(new FormData(form));
    });
  });
}

document.addEventListener("DOMContentLoaded", () => {
  setupQueue(); setupAutosubmit(); setupBatchProgress(); setupJobProgress(); setupUpload();
});
