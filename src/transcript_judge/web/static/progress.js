// transcript-judge web: the job page's live progress. Without script the page refreshes
// itself every few seconds (a <noscript> refresh) and shows the same words; with it, the
// page follows the server-sent events (or polls) and ticks the clocks in between.
// The words come from the server (web/progress.py); only the clocks are counted here.
// Text from the server is only ever set with textContent, never as HTML.
"use strict";

(() => {
  const TERMINAL = new Set(["candidate_needed", "done", "partial", "failed", "interrupted"]);

  // The same format as web/progress.py's duration_words: 45 s, 3 min 05 s, 1 h 02 min.
  function durationWords(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    const pad = (n) => String(n).padStart(2, "0");
    if (s < 60) return `${s} s`;
    if (s < 3600) return `${Math.floor(s / 60)} min ${pad(s % 60)} s`;
    return `${Math.floor(s / 3600)} h ${pad(Math.floor((s % 3600) / 60))} min`;
  }

  const clock = { elapsed: null, retryIn: null, received: 0, why: "" };

  // The wait's reason sits in a live region (announced once); its countdown ticks beside it.
  function showWait(since) {
    const why = document.getElementById("job-wait-why");
    const when = document.getElementById("job-wait-when");
    if (!why || !when) return;
    const text = clock.why ? `Waiting for the model service (${clock.why})` : "";
    if (why.textContent !== text) why.textContent = text;
    if (!clock.why) {
      when.textContent = "";
      return;
    }
    const left = clock.retryIn === null ? 0 : Math.max(0, Math.ceil(clock.retryIn - since));
    when.textContent = left > 0 ? `, retrying in ${left} s.` : "; trying again now…";
  }

  function tick() {
    if (clock.elapsed === null) return;
    const since = (performance.now() - clock.received) / 1000;
    const elapsed = document.getElementById("job-elapsed");
    if (elapsed) elapsed.textContent = durationWords(clock.elapsed + since);
    showWait(since);
  }

  function renderParts(list, parts) {
    list.replaceChildren(
      ...parts.map((part) => {
        const li = document.createElement("li");
        li.className = `part part-${part.status}`;
        li.textContent = `Part ${part.number}${part.minutes ? " · " + part.minutes : ""} · ${part.words}`;
        return li;
      }),
    );
  }

  function renderChunks(list, chunks) {
    list.replaceChildren(
      ...chunks.map((c) => {
        const li = document.createElement("li");
        li.className = `chunk chunk-${c.status}`;
        li.textContent = `chunk ${c.index}: ${c.status}${c.detail ? " — " + c.detail : ""}`;
        return li;
      }),
    );
  }

  function countsText(p) {
    let text = `${p.calls} model call(s), ${p.cache_hits} from the cache, ${p.retries} retried after an answer came back, ${p.waits} wait(s) for the service`;
    if (p.retry_note) text += ` (last: ${p.retry_note})`;
    if (p.waiting_s >= 5) text += `; a call has been at the model for ${Math.round(p.waiting_s)} s`;
    return text;
  }

  function renderProgress(data) {
    const state = document.getElementById("job-state");
    state.textContent = data.label;
    state.className = `state state-${data.state}`;
    const p = data.progress;
    const said = p ? p.said : null;
    document.getElementById("job-message").textContent = said ? said.headline : data.message;
    if (!p) return;
    const bar = document.getElementById("job-bar");
    if (said && said.bar !== null) bar.value = said.bar;
    else bar.removeAttribute("value"); // indeterminate: nothing to measure by yet
    document.getElementById("job-left").textContent = said ? said.left : "estimating…";
    const read = document.getElementById("job-read");
    if (said) read.textContent = `${said.parts_read} of ${said.parts_total} part${said.parts_total === 1 ? "" : "s"} read`;
    else if (p.phase === "reading") read.textContent = "Opening the transcript";
    if (said) renderParts(document.getElementById("job-parts"), said.parts);
    document.getElementById("job-counts").textContent = countsText(p);
    renderChunks(document.getElementById("job-chunks"), p.chunks);
    Object.assign(clock, {
      elapsed: p.elapsed_s,
      received: performance.now(),
      retryIn: said ? said.retry_in_s : null,
      why: said ? said.wait_reason : "",
    });
    tick();
  }

  function watchJob() {
    const job = document.getElementById("job");
    if (!job || TERMINAL.has(job.dataset.state)) return;
    const first = document.getElementById("job-elapsed");
    clock.elapsed = first ? Number(first.dataset.seconds) || 0 : 0;
    const wait = document.getElementById("job-wait");
    clock.why = wait ? wait.dataset.why || "" : "";
    clock.retryIn = wait && wait.dataset.retryIn ? Number(wait.dataset.retryIn) : null;
    clock.received = performance.now();
    window.setInterval(tick, 1000);
    let finished = false;
    const update = (data) => {
      renderProgress(data);
      if (TERMINAL.has(data.state) && !finished) {
        finished = true;
        window.location.reload(); // the server renders the report (or the failure)
      }
    };
    const poll = () => {
      fetch(`/api/analyses/${job.dataset.id}`, { headers: { Accept: "application/json" } })
        .then((response) => (response.ok ? response.json() : null))
        .then((data) => {
          if (data) update(data);
          if (!finished) window.setTimeout(poll, 2000);
        })
        .catch(() => window.setTimeout(poll, 4000));
    };
    if (!("EventSource" in window)) return poll();
    const source = new EventSource(job.dataset.events);
    source.onmessage = (event) => update(JSON.parse(event.data));
    source.onerror = () => {
      source.close();
      if (!finished) poll(); // the stream broke: fall back to polling
    };
  }

  document.addEventListener("DOMContentLoaded", watchJob);
})();
