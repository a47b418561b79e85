// smtp-tls-doctor serve: live progress for the check form. Without JavaScript the form is a
// plain GET to /check; with it, the check starts as a job (POST /api/jobs), its progress events
// arrive as Server-Sent Events and are shown in #progress, and the finished report is loaded
// from the job's result URL (the same page /check gives). Text is only ever set as textContent.
(function () {
  'use strict';
  var form = document.getElementById('check-form');
  var progress = document.getElementById('progress');
  var submit = document.getElementById('submit');
  if (!form || !progress || !window.fetch || !window.EventSource || !window.URLSearchParams) {
    return;
  }

  function show(text) {
    progress.hidden = false;
    progress.textContent = text;
  }

  function fail(message) {
    show('The check could not be started: ' + message);
    if (submit) { submit.disabled = false; }
  }

  function follow(job) {
    var planned = 0;
    var order = [];
    var state = {};
    var started = Date.now();
    function render() {
      var lines = [];
      var secs = Math.round((Date.now() - started) / 1000);
      lines.push('Checking… ' + secs + ' s' + (planned ? ' · ' + planned + ' endpoint(s) planned' : ''));
      order.forEach(function (ep) {
        var s = state[ep];
        var line = ep + ': ' + (s.done ? 'done' : s.phase);
        if (s.scan) { line += ' · scan: ' + s.scan + ' connection(s)'; }
        lines.push(line);
      });
      show(lines.join('\n'));
    }
    function endpoint(ep) {
      if (!state[ep]) {
        state[ep] = { phase: 'waiting', scan: 0, done: false };
        order.push(ep);
      }
      return state[ep];
    }
    render();
    var ticking = window.setInterval(render, 1000);
    var events = new EventSource(job.events);
    events.addEventListener('progress', function (m) {
      var e;
      try { e = JSON.parse(m.data); } catch (err) { return; }
      if (e.type === 'planned') {
        planned = e.endpoints;
      } else if (e.type === 'phase') {
        endpoint(e.endpoint).phase = e.phase;
      } else if (e.type === 'scan-connection') {
        endpoint(e.endpoint).scan += 1;
      } else if (e.type === 'endpoint-done') {
        endpoint(e.endpoint).done = true;
      }
      render();
    });
    events.addEventListener('finished', function () {
      events.close();
      window.clearInterval(ticking);
      show(progress.textContent + '\nDone: loading the report…');
      window.location.assign(job.result);
    });
    // The stream broke (a proxy, a restart): the result page waits for the check itself.
    events.addEventListener('error', function () {
      events.close();
      window.clearInterval(ticking);
      window.location.assign(job.result);
    });
  }

  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    if (submit) { submit.disabled = true; }
    show('Starting the check…');
    var body = new URLSearchParams(new FormData(form)).toString();
    fetch('/api/jobs', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: body
    }).then(function (r) {
      return r.json().then(function (j) { return { ok: r.ok, j: j }; });
    }).then(function (res) {
      if (!res.ok) {
        fail(res.j && res.j.error ? res.j.error.message : 'the server refused it');
        return;
      }
      follow(res.j);
    }).catch(function (e) {
      fail('the server could not be reached (' + e + ')');
    });
  });
}());
