// Live debugger: rows from /ui/debugger/stream (server-sent events), newest first. Event data is only ever set
// through textContent.
"use strict";

(() => {
  const root = document.getElementById("debugger");
  if (!root) return;
  const MAX_ROWS = 500;
  const form = document.getElementById("debugger-filters");
  const pause = document.getElementById("debugger-pause");
  const state = document.getElementById("debugger-state");
  const counts = document.getElementById("debugger-counts");
  const body = document.querySelector("#debugger-rows tbody");
  let source = null;
  let lastSeq = null; // the newest seq received: a resume continues after it
  let paused = false;
  let earlier = { seen: 0, examined: 0, matched: 0, shown: 0 }; // totals of the streams before this one
  let current = { ...earlier };

  const cell = (row, text, className) => {
    const td = document.createElement("td");
    if (className) td.className = className;
    td.textContent = text == null ? "" : String(text);
    row.appendChild(td);
    return td;
  };
  const received = (seconds) => new Date(seconds * 1000).toISOString().replace("T", " ").slice(0, 23);

  function addRow(event) {
    const tr = document.createElement("tr");
    tr.dataset.seq = event.seq;
    tr.className = "clickable";
    cell(tr, received(event.received_at), "mono");
    cell(tr, event.type);
    cell(tr, event.event);
    cell(tr, event.userId || event.anonymousId);
    cell(tr, event.email);
    const link = document.createElement("a");
    link.href = "/ui/events/" + encodeURIComponent(event.seq);
    link.textContent = "#" + event.seq;
    cell(tr, "", "num").appendChild(link);
    // Newest first, whatever order the rows arrive in (a resumed stream sends older rows first).
    let next = body.firstElementChild;
    while (next && Number(next.dataset.seq) > event.seq) next = next.nextElementSibling;
    body.insertBefore(tr, next);
    while (body.childElementCount > MAX_ROWS) body.lastElementChild.remove();
  }

  function showCounts(stats) {
    for (const key of Object.keys(earlier)) current[key] = earlier[key] + stats[key];
    const n = (x) => x.toLocaleString("en-US");
    let text = `${n(current.seen)} accepted · ${n(current.examined)} looked at · ` +
      `${n(current.matched)} matching · ${n(current.shown)} shown`;
    if (current.shown < current.seen) text += ` (sampled: at most ${stats.rows_per_second} rows/s)`;
    counts.textContent = text;
  }

  function open(resume) {
    const params = new URLSearchParams();
    for (const [key, value] of new FormData(form)) if (value) params.set(key, value);
    if (resume && lastSeq !== null) params.set("after", lastSeq);
    source = new EventSource(root.dataset.stream + "?" + params.toString());
    source.addEventListener("open", () => { state.textContent = "Live"; });
    source.addEventListener("row", (message) => {
      const event = JSON.parse(message.data);
      if (lastSeq === null || event.seq > lastSeq) lastSeq = event.seq;
      addRow(event);
    });
    source.addEventListener("stats", (message) => showCounts(JSON.parse(message.data)));
    source.addEventListener("error", () => {
      state.textContent = source && source.readyState === EventSource.CLOSED
        ? "Stream refused: log in again, or close another debugger tab (a server process serves a few at once)."
        : "Reconnecting…";
    });
  }

  function close() {
    if (source) source.close();
    source = null;
    earlier = { ...current };
  }

  pause.addEventListener("click", () => {
    paused = !paused;
    pause.textContent = paused ? "Resume" : "Pause";
    pause.setAttribute("aria-pressed", String(paused));
    if (paused) { close(); state.textContent = "Paused"; } else { open(true); }
  });

  let timer = null;
  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      close();
      body.replaceChildren();
      lastSeq = null;
      earlier = { seen: 0, examined: 0, matched: 0, shown: 0 };
      current = { ...earlier };
      counts.textContent = "";
      if (!paused) open(false);
    }, 300);
  });
  form.addEventListener("submit", (ev) => ev.preventDefault());

  body.addEventListener("click", (ev) => {
    const tr = ev.target.closest("tr");
    if (tr && !ev.target.closest("a")) window.location.href = "/ui/events/" + encodeURIComponent(tr.dataset.seq);
  });

  open(false);
})();
