// A beep and a buzz for each answer, so the door staff need not look at the screen every time:
// one high beep to pass, two middle ones for "already here", one long low one to stop.

const SIGNALS = {
  ok: { tones: [[1320, 0.12]], vibrate: [60] },
  warn: { tones: [[740, 0.12], [740, 0.12]], vibrate: [80, 80, 80] },
  error: { tones: [[220, 0.45]], vibrate: [400] },
};

let audio = null;

/** Browsers start sound only after a touch: call this from one. */
export function unlockSound() {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return Promise.resolve();
  audio ??= new Context();
  return audio.state === "suspended" ? audio.resume() : Promise.resolve();
}

export function soundLocked() {
  return !audio || audio.state !== "running";
}

export function signal(kind) {
  const { tones, vibrate } = SIGNALS[kind];
  // Vibration, like sound, is refused before the first touch; asking anyway only logs a warning.
  if (navigator.vibrate && navigator.userActivation?.hasBeenActive !== false) navigator.vibrate(vibrate);
  if (soundLocked()) return;
  let at = audio.currentTime + 0.01;
  for (const [frequency, seconds] of tones) {
    const oscillator = audio.createOscillator();
    const gain = audio.createGain();
    oscillator.type = kind === "error" ? "sawtooth" : "square";
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.25, at + 0.01);
    gain.gain.setValueAtTime(0.25, at + seconds - 0.03);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + seconds);
    oscillator.connect(gain).connect(audio.destination);
    oscillator.start(at);
    oscillator.stop(at + seconds);
    at += seconds + 0.07;
  }
}
