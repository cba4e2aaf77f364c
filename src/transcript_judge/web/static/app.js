// transcript-judge web: a little JavaScript over server-rendered pages. Every page works
// without it; this adds drag and drop, local times, quote highlighting with the way
// back to the finding, and confirmation dialogs (live progress is progress.js).
// Text from the server is only ever set with textContent, never as HTML.
"use strict";

function hasFiles(event) {
  const types = event.dataTransfer && event.dataTransfer.types;
  return Boolean(types && Array.from(types).includes("Files"));
}

function sizeText(bytes) {
  return bytes < 1048576 ? `${Math.max(1, Math.round(bytes / 1024))} KB` : `${(bytes / 1048576).toFixed(1)} MB`;
}

function showUploadError(text) {
  // The one place upload errors appear (the server's, on a refused upload, and this
  // script's): announced (role="alert") and focused, so a keyboard user lands on it.
  const box = document.getElementById("upload-error");
  if (!box) return;
  if (text !== undefined) {
    const p = document.createElement("p");
    p.className = "error-message";
    p.textContent = text;
    box.replaceChildren(p);
  }
  box.hidden = false;
  box.focus();
}

function setupDropZone() {
  const zone = document.getElementById("drop");
  const input = document.getElementById("file");
  const chosen = document.getElementById("chosen");
  if (!zone || !input) return;
  const show = () => {
    const file = input.files && input.files[0];
    chosen.textContent = file ? `${file.name} (${sizeText(file.size)})` : "";
  };
  input.addEventListener("change", show);
  const form = document.getElementById("upload-form");
  form.addEventListener("submit", (event) => {
    const file = input.files && input.files[0];
    const limit = Number(form.dataset.maxBytes);
    if (file && limit && file.size > limit) {
      event.preventDefault(); // the server would refuse it; say so before sending megabytes
      showUploadError(`${file.name} is ${sizeText(file.size)}; this server accepts up to ${sizeText(limit)}. Choose a smaller file (split the transcript).`);
    }
  });
  // Dropping a file anywhere on the upload page chooses it (the zone lights up while a
  // file is dragged over the page): a near miss must not make the browser open the file.
  let depth = 0;
  const lit = (on) => zone.classList.toggle("over", on);
  document.addEventListener("dragenter", (event) => {
    if (hasFiles(event)) lit(++depth > 0);
  });
  document.addEventListener("dragleave", (event) => {
    if (hasFiles(event)) lit(--depth > 0);
  });
  document.addEventListener("drop", (event) => {
    depth = 0;
    lit(false);
    const files = event.dataTransfer && event.dataTransfer.files;
    if (!files || !files.length) return;
    event.preventDefault();
    const transfer = new DataTransfer();
    transfer.items.add(files[0]);
    input.files = transfer.files;
    show();
    input.focus();
  });
}

function guardDrops() {
  // On every page: a file dropped outside an upload zone is refused, not opened by the
  // browser in place of the app. (The upload page's own handler takes it; see above.)
  document.addEventListener("dragover", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = document.getElementById("file") ? "copy" : "none";
  });
  document.addEventListener("drop", (event) => {
    if (hasFiles(event)) event.preventDefault();
  });
}

// -- confirmations: a modal dialog where the user is, focus in it -----------------------

function askToConfirm(message, confirmLabel) {
  return new Promise((resolve) => {
    const dialog = document.createElement("dialog");
    dialog.className = "confirm";
    dialog.setAttribute("aria-labelledby", "confirm-text");
    const text = document.createElement("p");
    text.id = "confirm-text";
    text.textContent = message;
    const yes = document.createElement("button");
    yes.type = "button";
    yes.className = "danger";
    yes.textContent = confirmLabel;
    const no = document.createElement("button");
    no.type = "button";
    no.textContent = "Cancel";
    const row = document.createElement("div");
    row.className = "actions";
    row.append(yes, no);
    dialog.append(text, row);
    let answer = false;
    yes.addEventListener("click", () => { answer = true; dialog.close(); });
    no.addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => { dialog.remove(); resolve(answer); });
    if (typeof dialog.showModal !== "function") {
      resolve(window.confirm(message)); // a browser without <dialog>
      return;
    }
    document.body.append(dialog);
    dialog.showModal(); // centred in the viewport, whatever the scroll; Escape cancels
    no.focus(); // the safe choice is the default
  });
}

function setupConfirms() {
  // Delegated, so forms added later (a filtered history, say) ask too.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.matches("form[data-confirm]")) return;
    event.preventDefault();
    const button = event.submitter || form.querySelector("button[type=submit]");
    const label = (button && button.textContent.trim()) || "OK";
    askToConfirm(form.dataset.confirm, label).then((yes) => {
      if (yes) form.submit(); // no second submit event
      else if (button) button.focus();
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

// -- the report page: quotes open the transcript at their turn, and lead back -----------

function clearMarks(root) {
  root.querySelectorAll("mark.hl").forEach((mark) => {
    const parent = mark.parentNode;
    parent.replaceChild(document.createTextNode(mark.textContent), mark);
    parent.normalize();
  });
  root.querySelectorAll(".turn.current").forEach((turn) => turn.classList.remove("current"));
  root.querySelectorAll(".back-inline").forEach((link) => link.remove());
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

// The link the reader followed into the transcript, so "Back to …" can return to it.
const trail = { origin: null, linkJump: false };
const inTranscript = () => Boolean(history.state && history.state.tj === "turn"); // our history entry

function placeOf(link) {
  // The finding card (or else the report section) a link sits in, and its heading.
  const place = link.closest('[id^="criterion-"]') || link.closest("section[aria-labelledby], section[id]");
  const heading = place && place.querySelector("h2, h3, h4");
  const name = (place && place.dataset.title) || (heading ? heading.textContent.trim() : "the report");
  return { id: place ? place.id : "report", name };
}

function showBack(link) {
  // Two ways back: the bar's button, always in view (touch, mouse), and a link inside the
  // highlighted turn, the next Tab stop after the turn (keyboard).
  const back = document.getElementById("back-to-finding");
  const turn = document.getElementById(`turn-${link.dataset.turn}`);
  if (!back || !turn) return;
  const place = placeOf(link);
  back.querySelector(".back-name").textContent = place.name;
  back.href = `#${place.id}`;
  back.hidden = false;
  const inline = document.createElement("a");
  inline.className = "back-inline";
  inline.href = `#${place.id}`;
  inline.textContent = `↩ Back to ${place.name}`;
  inline.addEventListener("click", goBack);
  turn.querySelector(".turn-head").after(inline);
}

function goBack(event) {
  event.preventDefault();
  if (inTranscript()) history.back(); // popstate returns
  else returnToOrigin();
}

function returnToOrigin() {
  const back = document.getElementById("back-to-finding");
  const link = trail.origin;
  trail.origin = null;
  if (back) back.hidden = true;
  document.querySelectorAll(".back-inline").forEach((inline) => inline.remove());
  const target = link && document.contains(link) ? link : document.getElementById("report");
  if (!target) return;
  target.scrollIntoView({ block: "center" });
  target.focus({ preventScroll: true });
}

function followQuote(link, event) {
  if (!document.getElementById("transcript") || !document.getElementById(`turn-${link.dataset.turn}`)) return;
  event.preventDefault();
  // One history entry for the trip into the transcript: the browser's (or the phone's)
  // Back returns to the finding too; further quotes replace it. Pushed before scrolling,
  // so the entry left behind keeps the report's scroll position, not the transcript's.
  const url = `#turn-${link.dataset.turn}`;
  if (inTranscript()) history.replaceState({ tj: "turn" }, "", url);
  else history.pushState({ tj: "turn" }, "", url);
  trail.origin = link;
  showQuote(link.dataset.turn, Number(link.dataset.start), Number(link.dataset.end));
  showBack(link);
}

function setupQuotes() {
  // Delegated: a quote anywhere on the report (cards, the scorecard, tables) leads there.
  document.addEventListener("click", (event) => {
    const link = event.target instanceof Element && event.target.closest("a.quote[data-turn], a.turn-link[data-turn]");
    if (link) followQuote(link, event);
  });
  const back = document.getElementById("back-to-finding");
  if (back) back.addEventListener("click", goBack);
  const transcript = document.getElementById("transcript");
  if (transcript) {
    // Escape in the transcript goes back to the finding, like the button.
    transcript.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && trail.origin) goBack(event);
    });
  }
  window.addEventListener("popstate", () => {
    // Back, from the transcript (a link to a #fragment fires popstate too: not that)
    if (trail.origin && !inTranscript() && !trail.linkJump) returnToOrigin();
  });
  // A "cited by" badge on a turn goes to the finding's quote of that turn (or its card).
  document.addEventListener("click", (event) => {
    const badge = event.target instanceof Element && event.target.closest("a.cite-badge[data-criterion]");
    const card = badge && document.getElementById(`criterion-${badge.dataset.criterion}`);
    if (!card) return;
    event.preventDefault();
    const quote = card.querySelector(`a.quote[data-turn="${badge.dataset.turn}"]`);
    const target = quote || card;
    if (!quote && !card.hasAttribute("tabindex")) card.setAttribute("tabindex", "-1");
    target.scrollIntoView({ block: "center" });
    target.focus({ preventScroll: true });
  });
}

function noteLinkJumps() {
  // Registered last, so it sees whether the handlers above took the click: a plain
  // in-page link ("back to the report", the skip link) moves on, it isn't the way back.
  document.addEventListener("click", (event) => {
    const link = event.target instanceof Element && event.target.closest('a[href^="#"]');
    if (!link || event.defaultPrevented) return;
    trail.linkJump = true;
    window.setTimeout(() => { trail.linkJump = false; }, 0);
  });
}

function focusUploadError() {
  const box = document.getElementById("upload-error");
  if (box && !box.hidden && box.textContent.trim()) showUploadError();
}

document.addEventListener("DOMContentLoaded", () => {
  guardDrops();
  setupDropZone();
  focusUploadError();
  setupConfirms();
  showLocalTimes();
  setupQuotes();
  noteLinkJumps();
});
