// After pairing: keep the device token in this phone and go to the scanner. The page is static,
// so the token comes in a data attribute (the Content-Security-Policy forbids inline scripts).
const paired = document.getElementById("paired");
const token = paired?.dataset.token;
if (token) {
  try {
    // The new token replaces the old one; what was kept for another device's lists goes with it.
    // Queued offline admissions stay: each carries the token it was made under.
    for (const key of Object.keys(localStorage)) {
      if (/^events\.(offline|marks|lists|list|device|history)\b/.test(key)) localStorage.removeItem(key);
    }
    localStorage.setItem("events.device_token", token);
    location.replace("/scan");
  } catch {
    document.getElementById("pair-status").hidden = true;
    document.getElementById("pair-failed").hidden = false;
  }
}
