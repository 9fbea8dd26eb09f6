// Refreshes the organiser's check-in view every ten seconds without reloading the page.
const holder = document.getElementById("checkin-lists");
if (holder) {
  const refresh = async () => {
    try {
      const response = await fetch(holder.dataset.refresh, { headers: { Accept: "text/html" }, cache: "no-store" });
      if (response.ok) holder.innerHTML = await response.text();
    } catch {
      // Offline for a moment: the next round tries again.
    }
  };
  setInterval(refresh, 10_000);
}
