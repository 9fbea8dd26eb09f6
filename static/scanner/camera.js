// The rear camera and the QR decoder: a frame every READ_EVERY_MS, scaled down so that a cheap
// phone keeps up, handed to the pure-JavaScript decoder (no WebAssembly, so the page's strict
// Content-Security-Policy stays as it is).
import { decodeQR } from "../vendor/qr-0.7.0/decode.js";
import { t } from "./words.js";

const READ_EVERY_MS = 200;
const MAX_SIDE = 960;

/** Why the camera cannot be used, in words for the door staff (in the scanner's language). */
export function cameraProblem(error) {
  if (!window.isSecureContext || !navigator.mediaDevices?.getUserMedia) {
    return t("camera_needs_https");
  }
  switch (error?.name) {
    case "NotAllowedError":
    case "SecurityError":
      return t("camera_not_allowed");
    case "NotFoundError":
    case "OverconstrainedError":
      return t("camera_not_found");
    case "NotReadableError":
      return t("camera_busy");
    default:
      return t("camera_failed");
  }
}

export class Scanner {
  constructor(video, onCode) {
    this.video = video;
    this.onCode = onCode;
    this.paused = false;
    this.canvas = document.createElement("canvas");
    this.context = this.canvas.getContext("2d", { willReadFrequently: true });
    this.timer = null;
  }

  async start() {
    if (!window.isSecureContext || !navigator.mediaDevices?.getUserMedia) throw new Error("insecure context");
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
    });
    this.video.srcObject = stream;
    await this.video.play();
    this.schedule();
  }

  /** Whether the camera has stopped by itself (the phone slept, another app took it). */
  get ended() {
    const stream = this.video.srcObject;
    return !stream || stream.getVideoTracks().every((track) => track.readyState === "ended");
  }

  stop() {
    clearTimeout(this.timer);
    this.video.srcObject?.getTracks().forEach((track) => track.stop());
    this.video.srcObject = null;
  }

  schedule() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.read();
      this.schedule();
    }, READ_EVERY_MS);
  }

  read() {
    const { video } = this;
    if (this.paused || document.hidden || video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA) return;
    const scale = Math.min(1, MAX_SIDE / Math.max(video.videoWidth, video.videoHeight));
    const width = Math.round(video.videoWidth * scale);
    const height = Math.round(video.videoHeight * scale);
    if (!width || !height) return;
    if (this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas.width = width;
      this.canvas.height = height;
    }
    this.context.drawImage(video, 0, 0, width, height);
    let text;
    try {
      text = decodeQR(this.context.getImageData(0, 0, width, height));
    } catch {
      return; // no code in this frame: the normal case
    }
    if (text) this.onCode(text);
  }
}
