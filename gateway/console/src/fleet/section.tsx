// Fleet (ingest): buckets, servers, processes. Routes below this section's prefix are nested: "/" here is "/fleet" in the address bar.
export function FleetView() {
  return (
    <section class="section" aria-labelledby="fleet-title">
      <h1 id="fleet-title">Fleet (ingest)</h1>
    </section>
  );
}
