// Fleet (ingest): buckets → servers → processes, live. Routes below this section's prefix are nested:
// "/" here is "/fleet" in the address bar. Every view has its URL:
//   /fleet                         the buckets (and a new one)
//   /fleet/b/<bucket>              its servers and processes, live
//   /fleet/b/<bucket>/s/<server>   one server's processes
//   /fleet/b/<bucket>/s/<server>/p/<pm_id>   one process: metrics, actions, logs, exceptions, events
//   /fleet/b/<bucket>/logs | exceptions | events | alerts | keys
import "./fleet.css";
import { Route, Switch } from "wouter-preact";
import { BucketView } from "./bucket";
import { BucketsView } from "./buckets";

/** A URL segment back to its text (wouter leaves reserved characters escaped). */
export function segment(raw: string | undefined): string {
  if (raw === undefined) return "";
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export function FleetView() {
  return (
    <section class="view fleet" aria-labelledby="fleet-title">
      <Switch>
        <Route path="/" component={BucketsView} />
        <Route path="/b/:bucket" nest>
          {(params: { bucket?: string }) => <BucketView id={segment(params.bucket)} />}
        </Route>
        <Route>
          <p class="notice warning">No such Fleet view.</p>
        </Route>
      </Switch>
    </section>
  );
}
