// transcript-judge web: a little JavaScript over server-rendered pages. Every page works
// without it; this adds drag and drop, local times and quote highlighting
// (live progress is progress.js).
// Text from the server is only ever set with textContent, never as HTML.
"use strict";

function setupDropZone() {
  const zone = document.getElementById("drop");
  const input = document.getElementById("file");
  const chosen = document.getElementById("chosen");
  if (!zone || !input) return;
  const show = () => {
    const file = input.files && input.files[0];
    chosen.textContent = file ? `${file.name} (${Math.max(1, Math.round(file.size / 1024))} KB)` : "";
  };
  input.addEventListener("change", show);
  const form = document.getElementById("upload-form");
  const tooBig = document.getElementById("too-big");
  form.addEventListener("submit", (event) => {
    const file = input.files && input.files[0];
    const limit = Number(form.dataset.maxBytes);
    tooBig.hidden = true;
    if (file && limit && file.size > limit) {
      event.preventDefault(); // the server would refuse it; say so before sending megabytes
      tooBig.textContent = `${file.name} is ${(file.size / 1048576).toFixed(1)} MB; this server accepts up to ${Math.round(limit / 1048576)} MB.`;
      tooBig.hidden = false;
    }
  });
  ["dragenter", "dragover"].forEach((type) =>
    zone.addEventListener(type, (event) => {
      event.preventDefault();
      zone.classList.add("over");
    }),
  );
  ["dragleave", "dragend"].forEach((type) => zone.addEventListener(type, () => zone.classList.remove("over")));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    const files = event.dataTransfer && event.dataTransfer.files;
    if (!files || !files.length) return;
    const transfer = new DataTransfer();
    transfer.items.add(files[0]);
    input.files = transfer.files;
    show();
  });
}

function setupConfirms() {
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
}

// -- times: shown in the reader's time zone ----------------------------------------------

// A <time class="local" datetime="...UTC ISO..."> says its UTC text without script; here it
// becomes the browser's local date and time (the UTC stays in the tooltip).
function showLocalTimes(root = document) {
  const format = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
  root.querySelectorAll("time.local[datetime]").forEach((el) => {
    const when = new Date(el.getAttribute("datetime"));
    if (Number.isNaN(when.getTime())) return;
    if (!el.title) el.title = el.textContent.trim();
    el.textContent = format.format(when);
    el.classList.add("localised");
  });
}

// -- the report page: quotes open the transcript at their turn --------------------------

function clearMarks(root) {
  root.querySelectorAll("mark.hl").forEach((mark) => {
    const parent = mark.parentNode;
    parent.replaceChild(document.createTextNode(mark.textContent), mark);
    parent.normalize();
  });
  root.querySelectorAll(".turn.current").forEach((turn) => turn.classList.remove("current"));
}

function showQuote(turnIndex, start, end) {
  const transcript = document.getElementById("transcript");
  const turn = document.getElementById(`turn-${turnIndex}`);
  if (!transcript || !turn) return false;
  clearMarks(transcript);
  const text = turn.querySelector(".text");
  const node = text && text.firstChild;
  if (node && node.nodeType === Node.TEXT_NODE && start >= 0 && end > start && end <= node.length) {
    const range = document.createRange();
    range.setStart(node, start);
    range.setEnd(node, end);
    const mark = document.createElement("mark");
    mark.className = "hl";
    range.surroundContents(mark);
  }
  turn.classList.add("current");
  if (getComputedStyle(transcript).overflowY === "auto" && transcript.scrollHeight > transcript.clientHeight) {
    // Side by side (wide screens): scroll the transcript pane, leave the report where it is.
    const top = turn.offsetTop - (transcript.clientHeight - turn.offsetHeight) / 2;
    transcript.scrollTo({ top: Math.max(0, top) });
    if (transcript.getBoundingClientRect().top < 0) transcript.scrollIntoView({ block: "nearest" });
  } else {
    turn.scrollIntoView({ block: "center" }); // one column (phones): the page scrolls to it
  }
  turn.focus({ preventScroll: true });
  return true;
}

function setupQuotes() {
  document.querySelectorAll("a.quote[data-turn], a.turn-link[data-turn]").forEach((link) => {
    link.addEventListener("click", (event) => {
      const shown = showQuote(link.dataset.turn, Number(link.dataset.start), Number(link.dataset.end));
      if (shown) {
        event.preventDefault();
        history.replaceState(null, "", `#turn-${link.dataset.turn}`);
      }
    });
  });
}

document.addEventListener("DOMContentLoaded", () => {
  setupDropZone();
  setupConfirms();
  showLocalTimes();
  setupQuotes();
});
