// The Metrics view: the section's DOM lives in this element for as long as the view is shown.
import { useEffect, useRef } from "preact/hooks";
import { mountMetrics } from "./mount";

export function MetricsView() {
  const root = useRef<HTMLDivElement>(null);
  useEffect(() => (root.current ? mountMetrics(root.current) : undefined), []);
  return (
    <div class="view metrics-view">
      <header class="view-head">
        <h2>Metrics</h2>
      </header>
      <div ref={root} id="metrics" />
    </div>
  );
}
