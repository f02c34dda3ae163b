// The room page: live state (polled), WebRTC join/rejoin, consent, the document camera, and for
// the registrar the lobby, checklist, recording and the signed outcome.
"use strict";
(function () {
  const ROOM = window.ROOM, T = window.T;
  const base = "/v1/rooms/" + ROOM.id;
  const $ = (id) => document.getElementById(id);
  const status = $("status");
  let state = null, pc = null, camera = null, videoSender = null;

  async function api(method, path, body) {
    const response = await fetch(base + path, {
      method, credentials: "same-origin",
      headers: body ? {"Content-Type": "application/json"} : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.code || String(response.status));
    return data;
  }
  function report(promise, okText) {
    return promise.then((r) => { if (okText) status.textContent = okText; refresh(); return r; })
      .catch((e) => { status.textContent = T.error + ": " + e.message; });
  }

  // -- live state ----------------------------------------------------------------------------
  async function refresh() {
    try { state = await api("GET", "/live"); } catch (e) { status.textContent = T.error + ": " + e.message; return; }
    const me = state.room.participants.find((p) => p.id === ROOM.me);
    $("lobby").hidden = me.state !== "waiting";
    $("join").disabled = me.state === "waiting" || state.room.state === "finished";
    $("consent").disabled = Boolean(me.consented_at);
    renderPeople();
    if (state.room.state === "finished") { status.textContent = T.finished; if (pc) pc.close(); }
  }
  function renderPeople() {
    const body = $("people");
    body.replaceChildren();
    for (const p of state.room.participants) {
      const row = document.createElement("tr");
      for (const text of [p.role, p.name, T[p.state] || p.state, p.consented_at ? T.yes : T.no, p.verified ? T.yes : T.no]) {
        const cell = document.createElement("td"); cell.textContent = text; row.append(cell);
      }
      if (ROOM.role === "registrar") {
        const cell = document.createElement("td");
        if (p.state === "waiting") {
          const admit = document.createElement("button");
          admit.type = "button"; admit.textContent = T.admit + " — " + p.name;
          admit.addEventListener("click", () => report(api("POST", "/participants/" + p.id + "/admit")));
          cell.append(admit);
        }
        row.append(cell);
      }
      body.append(row);
    }
    const who = $("check-who");
    if (who && who.options.length === 0) {
      for (const p of state.room.participants.filter((x) => x.role !== "registrar")) {
        who.append(new Option(p.role + " — " + p.name, p.id));
      }
    }
  }

  // -- media ---------------------------------------------------------------------------------
  function vp8First(transceiver) {
    if (!RTCRtpSender.getCapabilities || !transceiver.setCodecPreferences) return;
    const codecs = RTCRtpSender.getCapabilities("video").codecs
      .filter((c) => c.mimeType === "video/VP8" || c.mimeType === "video/rtx");
    transceiver.setCodecPreferences(codecs);
  }
  async function join() {
    if (pc) pc.close();  // a rejoin is a new connection (no ICE restart on the server)
    camera = camera || await navigator.mediaDevices.getUserMedia({audio: true, video: {width: 640, height: 480}});
    $("local").srcObject = camera;
    pc = new RTCPeerConnection({bundlePolicy: "max-bundle"});
    pc.addTransceiver(camera.getAudioTracks()[0], {direction: "sendonly"});
    const video = pc.addTransceiver(camera.getVideoTracks()[0], {direction: "sendonly"});
    vp8First(video);
    videoSender = video.sender;
    const slots = state.slots;
    for (let i = 0; i < slots.length; i++) {
      pc.addTransceiver("audio", {direction: "recvonly"});
      vp8First(pc.addTransceiver("video", {direction: "recvonly"}));
    }
    pc.ontrack = (event) => showRemote(event, slots);
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((resolve) => {
      if (pc.iceGatheringState === "complete") return resolve();
      pc.addEventListener("icegatheringstatechange", () => pc.iceGatheringState === "complete" && resolve());
    });
    const answer = await api("POST", "/rtc", {sdp: pc.localDescription.sdp, type: "offer"});
    await pc.setRemoteDescription({sdp: answer.sdp, type: answer.type});
    $("doccam").disabled = false;
    refresh();
  }
  function showRemote(event, slots) {
    const index = pc.getTransceivers().indexOf(event.transceiver);
    const slot = Math.floor(index / 2) - 1;
    const who = state.room.participants.find((p) => p.id === slots[slot]);
    let video = document.getElementById("remote-" + slot);
    if (!video) {
      const figure = document.createElement("figure");
      video = document.createElement("video");
      video.id = "remote-" + slot; video.autoplay = true; video.playsInline = true;
      const caption = document.createElement("figcaption");
      caption.textContent = who ? who.role + " — " + who.name : "";
      figure.append(video, caption);
      $("remotes").append(figure);
    }
    const stream = video.srcObject || new MediaStream();
    stream.addTrack(event.track);
    video.srcObject = stream;
  }
  async function documentCamera(on) {
    // A document needs its full resolution: 'detail' stops Chrome trading pixels for frame rate.
    const media = await navigator.mediaDevices.getUserMedia({video: on ? {width: 1280, height: 720} : {width: 640, height: 480}});
    const track = media.getVideoTracks()[0];
    track.contentHint = on ? "detail" : "motion";
    await videoSender.replaceTrack(track);
    $("local").srcObject = new MediaStream([camera.getAudioTracks()[0], track]);
  }

  // -- registrar -------------------------------------------------------------------------------
  function registrarConsole() {
    $("checklist").addEventListener("submit", (event) => {
      event.preventDefault();
      const form = event.target;
      const body = {
        identity_confirmed: form.identity_confirmed.checked,
        legal_capacity_confirmed: form.legal_capacity_confirmed.checked,
        free_will_confirmed: form.free_will_confirmed.checked,
        document_number_seen: form.document_number_seen.value || null,
        spouse_present: form.spouse_present.checked,
      };
      report(api("PUT", "/participants/" + $("check-who").value + "/checklist", body), T.saved);
    });
    $("rec-start").addEventListener("click", () => report(api("POST", "/recording/start"), T.recording));
    $("rec-stop").addEventListener("click", () => report(api("POST", "/recording/stop"), T.saved));
    $("finish").addEventListener("submit", (event) => {
      event.preventDefault();
      const form = event.target;
      const reasons = [...form.querySelectorAll("input[name=reasons]:checked")].map((x) => x.value);
      const decision = form.decision.value;
      report(finish({decision, reasons: decision === "rejected" ? reasons : [], comment: form.comment.value || null}));
    });
  }
  async function finish(request) {
    const draft = await api("POST", "/outcome/draft", request);
    const client = new NCALayerClient();
    await client.connect();
    const signed = await client.basicsSignCMS(
      NCALayerClient.basicsStorageAll, draft.document_b64,
      NCALayerClient.basicsCMSParamsDetached, NCALayerClient.basicsSignerSignAny);
    const cms = (Array.isArray(signed) ? signed[0] : signed).replace(/-----(BEGIN|END) CMS-----/g, "").replace(/\s+/g, "");
    return api("POST", "/outcome", {sha256: draft.sha256, cms_b64: cms});
  }

  $("join").addEventListener("click", () => report(join()));
  $("consent").addEventListener("click", () => report(api("POST", "/consent")));
  $("doccam").addEventListener("change", (event) => report(documentCamera(event.target.checked)));
  if (ROOM.role === "registrar") registrarConsole();
  refresh();
  setInterval(refresh, 2000);
})();
