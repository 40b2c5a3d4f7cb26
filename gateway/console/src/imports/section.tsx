// Imports (kmdb): imports and their files. Routes below this section's prefix are nested: "/" here is "/imports" in the address bar.
export function ImportsView() {
  return (
    <section class="section" aria-labelledby="imports-title">
      <h1 id="imports-title">Imports (kmdb)</h1>
    </section>
  );
}
