// The video visit (skærmbesøg) in the browser: WebRTC between the participants (a mesh of peer
// connections, one per other person), signalling over the gateway's WebSocket. The camera
// turns on only when the person taps to join; the citizen sees who calls before that.
// docs/video.md describes the protocol and the states.

import { el, initLanguage, lang, mount, scoped } from "/static/ui/ui.js";

const t = scoped("video.");


const locale = () => (lang() === "en" ? "en-GB" : "da-DK");
const clock = (iso) =>
  new Intl.DateTimeFormat(locale(), { timeStyle: "short", timeZone: "Europe/Copenhagen" })
    .format(new Date(iso));
const day = (iso) =>
  new Intl.DateTimeFormat(locale(), { dateStyle: "long", timeZone: "Europe/Copenhagen" })
    .format(new Date(iso));

const root = document.getElementById("call");
const appointmentId = root.dataset.appointment;

const call = {
  phase: "connecting", // connecting, lobby, waiting, joining, connected, reconnecting, ended, refused
  me: null,
  peers: new Map(), // id -> {id, name, kind, role, ready, video}
  ice: { iceServers: [] },
  appointment: {},
  refusal: null,
  stream: null,
  audioOnly: false,
  cameraOff: false,
  micOff: false,
  note: null,
  pcs: new Map(), // peer id -> {pc, offerer, stream, pending, connected}
  socket: null,
  retries: 0,
  startedAt: null, // when the first connection came up (this page's clock)
  timing: { clickedAt: null, mediaAt: null, connectedAt: null },
  messages: { sent: 0, received: 0 },
  linkUses: null, // the join link's uses, shown to the citizen logged in
  log: [], // [ms since load, what]: the connections' states, for support and the tests
};

function note(what) {
  call.log.push([Math.round(performance.now()), what]);
  if (call.log.length > 200) call.log.shift();
}
window.videoCall = call; // for the browser tests and for support: state, timing, stats()

// -- signalling -----------------------------------------------------------------------------

function send(message) {
  if (call.socket && call.socket.readyState === WebSocket.OPEN) {
    call.socket.send(JSON.stringify(message));
    call.messages.sent += 1;
  }
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const socket = new WebSocket(`${scheme}//${location.host}/video/${appointmentId}/ws`);
  call.socket = socket;
  socket.onmessage = (event) => {
    call.messages.received += 1;
    let message;
    try {
      message = JSON.parse(event.data);
    } catch (_e) {
      return;
    }
    receive(message).catch((error) => console.warn("video:", error));
  };
  socket.onclose = () => {
    if (call.socket !== socket || ["ended", "refused"].includes(call.phase)) return;
    // A dropped connection (bad wifi): try again, a little later each time.
    setPhase("reconnecting");
    for (const id of [...call.pcs.keys()]) closePeer(id);
    call.retries += 1;
    setTimeout(connect, Math.min(8000, 500 * 2 ** call.retries));
  };
  socket.onopen = () => { call.retries = 0; };
}

async function receive(message) {
  switch (message.type) {
    case "welcome":
      call.me = message.you;
      call.ice = message.ice;
      call.appointment = message.appointment || {};
      call.peers = new Map((message.peers || []).map((p) => [p.id, p]));
      if (call.me.kind === "citizen" && call.linkUses === null) loadLinkUses();
      if (call.stream) {
        // Back after a dropped connection: join the call again straight away.
        setPhase(call.peers.size ? "joining" : "waiting");
        send({ type: "ready", video: hasVideo() && !call.cameraOff });
      } else {
        setPhase("lobby");
      }
      break;
    case "peer-joined":
    case "peer-ready":
      call.peers.set(message.peer.id, message.peer);
      render();
      break;
    case "peer-left":
      call.peers.delete(message.id);
      closePeer(message.id);
      if (call.stream && !call.pcs.size) setPhase("waiting");
      else render();
      break;
    case "peer-media": {
      const peer = call.peers.get(message.id);
      if (peer) peer.video = message.video;
      render();
      break;
    }
    case "ready-ok":
      if (message.peers.length) setPhase("joining");
      for (const id of message.peers) await offer(id);
      break;
    case "signal":
      await signal(message.from, message.data);
      break;
    case "ice":
      call.ice = message.ice;
      break;
    case "ended":
      finish("ended");
      break;
    case "refused":
      call.refusal = message;
      finish("refused");
      break;
    default:
      break;
  }
}

/** Every use of this visit's join link, from the citizen's access log (gateway audit). */
async function loadLinkUses() {
  call.linkUses = [];
  try {
    const answer = await fetch("/api/me/access-log?limit=100", { credentials: "same-origin" });
    if (!answer.ok) return;
    call.linkUses = (await answer.json()).filter(
      (row) => row.actor_id === "video-join-link" && row.resource.includes(appointmentId));
  } catch (_e) {
    return;
  }
  render();
}

// -- media ----------------------------------------------------------------------------------

const hasVideo = () => !!(call.stream && call.stream.getVideoTracks().length);

async function join(withVideo) {
  call.timing.clickedAt = performance.now();
  note("start");
  call.note = null;
  try {
    call.stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: withVideo });
  } catch (_e) {
    if (withVideo) {
      try {
        call.stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
        call.note = t("audio.only");
      } catch (_e2) { /* below */ }
    }
  }
  call.timing.mediaAt = performance.now();
  if (!call.stream) {
    call.note = t("no.media");
    render();
    return;
  }
  call.audioOnly = !hasVideo();
  setPhase(readyPeers().length ? "joining" : "waiting");
  send({ type: "ready", video: hasVideo() });
}

const readyPeers = () => [...call.peers.values()].filter((p) => p.ready);

function toggleCamera() {
  call.cameraOff = !call.cameraOff;
  for (const track of call.stream.getVideoTracks()) track.enabled = !call.cameraOff;
  send({ type: "media", video: !call.cameraOff });
  render();
}

function toggleMic() {
  call.micOff = !call.micOff;
  for (const track of call.stream.getAudioTracks()) track.enabled = !call.micOff;
  render();
}

// -- peer connections (one per other participant) --------------------------------------------

function peerConnection(id, offerer) {
  const pc = new RTCPeerConnection(call.ice);
  const entry = { pc, offerer, stream: new MediaStream(), pending: [], connected: false };
  call.pcs.set(id, entry);
  pc.onicecandidate = (event) => {
    if (event.candidate) send({ type: "signal", to: id, data: { candidate: event.candidate.toJSON() } });
  };
  pc.ontrack = (event) => {
    entry.stream.addTrack(event.track);
    render();
  };
  pc.oniceconnectionstatechange = () => note(`${id} ice ${pc.iceConnectionState}`);
  pc.onicegatheringstatechange = () => note(`${id} gathering ${pc.iceGatheringState}`);
  pc.onconnectionstatechange = () => {
    const state = pc.connectionState;
    note(`${id} ${state}`);
    if (state === "connected") {
      entry.connected = true;
      if (!call.timing.connectedAt) call.timing.connectedAt = performance.now();
      send({ type: "connected", peer: id });
      setPhase("connected");
    } else if (state === "disconnected") {
      setPhase("reconnecting");
    } else if (state === "failed" && offerer) {
      send({ type: "ice" }); // fresh TURN credentials, then a new offer with an ICE restart
      setTimeout(() => offer(id, true), 500);
    }
    render();
  };
  return entry;
}

function addLocalMedia(pc) {
  for (const kind of ["audio", "video"]) {
    const track = call.stream.getTracks().find((t) => t.kind === kind);
    if (track) pc.addTrack(track, call.stream);
    else if (!pc.getTransceivers().some((x) => x.receiver.track.kind === kind)) {
      pc.addTransceiver(kind, { direction: "recvonly" }); // audio only: still see them
    }
  }
}

async function offer(id, restart = false) {
  note(`${id} offer${restart ? " (ICE restart)" : ""}`);
  let entry = call.pcs.get(id);
  if (!entry || !restart) {
    if (entry) closePeer(id);
    entry = peerConnection(id, true);
    addLocalMedia(entry.pc);
  } else {
    entry.pc.setConfiguration(call.ice);
  }
  const description = await entry.pc.createOffer(restart ? { iceRestart: true } : {});
  await entry.pc.setLocalDescription(description);
  send({ type: "signal", to: id, data: { sdp: entry.pc.localDescription.toJSON() } });
}

async function signal(from, data) {
  if (data.sdp) note(`${from} ${data.sdp.type} received`);
  if (data.sdp && data.sdp.type === "offer") {
    let entry = call.pcs.get(from);
    const fresh = !entry;
    if (fresh) entry = peerConnection(from, false);
    await entry.pc.setRemoteDescription(data.sdp);
    if (fresh) addLocalMedia(entry.pc);
    const answer = await entry.pc.createAnswer();
    await entry.pc.setLocalDescription(answer);
    send({ type: "signal", to: from, data: { sdp: entry.pc.localDescription.toJSON() } });
    await flushCandidates(entry);
  } else if (data.sdp && data.sdp.type === "answer") {
    const entry = call.pcs.get(from);
    if (!entry) return;
    await entry.pc.setRemoteDescription(data.sdp);
    await flushCandidates(entry);
  } else if (data.candidate) {
    const entry = call.pcs.get(from);
    if (!entry) return;
    if (entry.pc.remoteDescription) await entry.pc.addIceCandidate(data.candidate);
    else entry.pending.push(data.candidate);
  }
}

async function flushCandidates(entry) {
  while (entry.pending.length) await entry.pc.addIceCandidate(entry.pending.shift());
}

function closePeer(id) {
  const entry = call.pcs.get(id);
  if (!entry) return;
  entry.pc.close();
  call.pcs.delete(id);
}

function finish(phase) {
  for (const id of [...call.pcs.keys()]) closePeer(id);
  if (call.stream) for (const track of call.stream.getTracks()) track.stop();
  setPhase(phase);
  if (call.socket) call.socket.close();
}

/** For the tests and support: each connection's state and the video frames decoded. */
call.stats = async () => {
  const result = [];
  for (const [id, entry] of call.pcs) {
    let framesDecoded = 0;
    let relay = false;
    let path = null;
    const report = await entry.pc.getStats();
    let selected = null;
    report.forEach((r) => {
      if (r.type === "inbound-rtp" && r.kind === "video") framesDecoded += r.framesDecoded || 0;
      if (r.type === "transport" && r.selectedCandidatePairId) selected = r.selectedCandidatePairId;
    });
    const pair = selected && report.get(selected);
    if (pair) {
      const local = report.get(pair.localCandidateId) || {};
      const remote = report.get(pair.remoteCandidateId) || {};
      relay = local.candidateType === "relay";
      path = `${local.candidateType} ${local.address} → ${remote.candidateType} ${remote.address}`;
    }
    result.push({ peer: id, state: entry.pc.connectionState, framesDecoded, relay, path });
  }
  return result;
};

// -- the screen -----------------------------------------------------------------------------

function setPhase(phase) {
  call.phase = phase;
  render();
}

const isHost = () => call.me && call.me.role === "host";
// Staff see the citizen's name (the visit is theirs); whoever holds a join link is not told it.
const nameOf = (p) => p.name || (isHost() && call.appointment.citizen_name) || t("citizen");

function button(id, text, onclick, kind = "primary") {
  return el("button", { type: "button", id, class: `button button-${kind} big`, onclick, text });
}

function header() {
  const a = call.appointment;
  return [
    el("h1", { text: t("h1") }),
    a.starts_at
      ? el("p", { class: "call-when",
                  text: t("when", { date: day(a.starts_at), from: clock(a.starts_at),
                                    to: clock(a.ends_at) }) })
      : null,
    el("p", { id: "call-state", class: `call-state state-${call.phase}`, role: "status",
              "aria-live": "polite", text: t(`state.${call.phase}`) }),
    call.note ? el("p", { class: "call-note", role: "alert", text: call.note }) : null,
  ];
}

function lobby() {
  if (isHost()) {
    const citizenHere = [...call.peers.values()].some((p) => p.role === "guest");
    return [
      call.appointment.citizen_name
        ? el("p", { class: "call-who", text: t("host.citizen", { name: call.appointment.citizen_name }) })
        : null,
      el("p", { id: "presence", text: t(citizenHere ? "host.citizen.here" : "host.citizen.away") }),
      el("div", { class: "call-actions" },
         button("join-video", t("start.video"), () => join(true)),
         button("join-audio", t("start.audio"), () => join(false), "secondary")),
      revokeButton(),
    ];
  }
  const host = [...call.peers.values()].find((p) => p.role === "host");
  return [
    host
      ? el("div", { class: "calling" },
           el("p", { id: "caller", class: "call-who", text: t("calling", { name: nameOf(host) }) }),
           el("p", { text: t("calling.note") }))
      : el("p", { id: "caller", text: t("waiting.staff") }),
    el("div", { class: "call-actions" },
       button("join-video", t("join.video"), () => join(true)),
       button("join-audio", t("join.audio"), () => join(false), "secondary")),
    linkUses(),
  ];
}

function linkUses() {
  if (!call.linkUses) return null;
  const when = (iso) => `${day(iso)} ${clock(iso)}`;
  return el("section", { id: "link-uses", "aria-labelledby": "link-uses-h" },
    el("h2", { id: "link-uses-h", text: t("link.uses.h2") }),
    call.linkUses.length
      ? el("ul", {}, call.linkUses.map((row) => el("li", {
          text: t("link.use", { when: when(row.at), device: (row.resource.match(/device (\w+)/) || [])[1] || "?",
                                result: t(row.status < 400 ? "link.use.ok" : "link.use.refused") }) })))
      : el("p", { text: t("link.uses.none") }));
}

function revokeButton() {
  return el("p", {},
            button("revoke-link", t("revoke"), revokeLink, "secondary small"),
            el("span", { id: "revoke-result", role: "status" }));
}

async function revokeLink() {
  const me = await (await fetch("/auth/session", { credentials: "same-origin" })).json();
  const answer = await fetch(`/video/${appointmentId}/link/revocation`, {
    method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": me.csrf_token },
  });
  const box = document.getElementById("revoke-result");
  if (box) box.textContent = answer.ok ? " " + t("revoked") : " " + answer.status;
}

function tile(id, name, stream, { muted = false, cameraOff = false } = {}) {
  let video = document.getElementById(`video-${id}`);
  if (!video) {
    video = el("video", { id: `video-${id}`, autoplay: true, playsinline: true });
    video.muted = muted;
  }
  if (video.srcObject !== stream) video.srcObject = stream;
  return el("figure", { class: `tile${muted ? " self" : ""}`, "data-peer": id },
            video,
            cameraOff ? el("p", { class: "camera-off", text: t("camera.is.off") }) : null,
            el("figcaption", { text: name }));
}

function inCall() {
  const tiles = [];
  for (const [id, entry] of call.pcs) {
    const peer = call.peers.get(id) || {};
    tiles.push(tile(id, nameOf(peer), entry.stream, { cameraOff: peer.video === false }));
  }
  const names = readyPeers().map(nameOf).join(", ");
  return [
    names ? el("p", { id: "peers", text: t("peers", { names }) }) : null,
    el("div", { class: "tiles" }, tiles,
       tile("self", t("you"), call.stream, { muted: true, cameraOff: call.cameraOff || call.audioOnly })),
    el("div", { class: "call-actions" },
       hasVideo()
         ? button("toggle-camera", t(call.cameraOff ? "camera.on" : "camera.off"), toggleCamera, "secondary")
         : null,
       button("toggle-mic", t(call.micOff ? "mic.on" : "mic.off"), toggleMic, "secondary"),
       isHost()
         ? button("end", t("end"), () => send({ type: "end" }), "primary button-danger")
         : button("leave", t("leave"), () => { send({ type: "leave" }); finish("ended"); }, "primary button-danger")),
    isHost() ? revokeButton() : null,
  ];
}

function ended() {
  const minutes = call.timing.connectedAt
    ? Math.max(1, Math.round((performance.now() - call.timing.connectedAt) / 60000))
    : null;
  return [
    minutes ? el("p", { text: t("ended.duration", { minutes }) }) : null,
    el("p", {}, el("a", { class: "button button-primary big", href: isHost() ? "/tablet/" : "/aftaler/",
                          text: t(isHost() ? "back.staff" : "back.citizen") })),
    linkUses(),
  ];
}

function refused() {
  const r = call.refusal || {};
  const key = `refused.${r.code}`;
  const known = t(key) !== key;
  const text = known
    ? t(key, { clock: r.opens_at ? clock(r.opens_at) : "" })
    : (lang() === "en" ? r.title_en : r.title) || r.code;
  const login = ["auth.token_missing", "video.link_invalid", "video.link_revoked",
                 "video.link_in_use"].includes(r.code) && appointmentId;
  return [
    el("p", { id: "refusal", class: "panel panel-error", role: "alert", "data-code": r.code || "",
              text }),
    login
      ? el("p", {}, el("a", { class: "button button-primary big", id: "login-to-join",
                              href: `/auth/login?channel=portal&next=/video/${appointmentId}/`,
                              text: t("login") }))
      : null,
  ];
}

function render() {
  let body;
  if (call.phase === "refused") body = refused();
  else if (call.phase === "ended") body = ended();
  else if (call.phase === "connecting") body = [];
  else if (!call.stream) body = lobby();
  else body = inCall();
  mount(root, header(), body);
}

initLanguage(render);
if (root.dataset.refusal) {
  call.refusal = JSON.parse(root.dataset.refusal);
  setPhase("refused");
} else {
  render();
  connect();
}
