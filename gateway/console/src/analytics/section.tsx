// Analytics: messages and analytics descriptors. Routes below this section's prefix are nested: "/" here is "/analytics" in the address bar.
export function AnalyticsView() {
  return (
    <section class="section" aria-labelledby="analytics-title">
      <h1 id="analytics-title">Analytics</h1>
    </section>
  );
}
