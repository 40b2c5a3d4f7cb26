// One bucket: its tabs (processes, logs, exceptions, events, alert rules, keys), the live stream's
// state, and the store every tab reads (servers and processes kept current by the live stream).
import { useEffect, useState } from "preact/hooks";
import { Link, Route, Switch, useLocation } from "wouter-preact";
import { Problem, attempt } from "../ui/notice";
import { getBucket, type Bucket } from "./api";
import { AlertsView } from "./alerts";
import { EventsPanel } from "./events";
import { ExceptionsPanel } from "./exceptions";
import { KeysView } from "./keys";
import { LogTail } from "./logs";
import { ProcessView } from "./process";
import { ProcessesView } from "./processes";
import { segment } from "./section";
import { StoreContext, useFleetStore, useStore } from "./store";

const TABS = [
  { href: "/", label: "Processes", match: (l: string) => l === "/" || l.startsWith("/s/") },
  { href: "/logs", label: "Logs" },
  { href: "/exceptions", label: "Exceptions" },
  { href: "/events", label: "Events" },
  { href: "/alerts", label: "Alert rules" },
  { href: "/keys", label: "Keys" },
];

function LiveBadge() {
  const { live } = useStore();
  const words = { connecting: "connecting…", live: "live", retrying: "reconnecting…", refused: "live stream refused" }[live.state];
  return (
    <span id="live-state" class={`live-badge ${live.state}`} role="status" title={live.why || undefined} data-state={live.state}>
      ● {words}
      {live.why && live.state !== "live" ? ` (${live.why})` : ""}
    </span>
  );
}

function Tabs() {
  const [location] = useLocation();
  return (
    <nav class="fleet-tabs" aria-label="bucket views">
      <ul>
        {TABS.map((t) => {
          const active = t.match ? t.match(location) : location.startsWith(t.href);
          return (
            <li key={t.href}>
              <Link href={t.href} class={active ? "active" : ""} aria-current={active ? "page" : undefined}>
                {t.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}

export function BucketView(props: { id: string }) {
  const [bucket, setBucket] = useState<Bucket | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    setBucket(null);
    void attempt(() => getBucket(props.id).then(setBucket), setError);
  }, [props.id]);
  const store = useFleetStore(props.id, bucket);

  return (
    <StoreContext.Provider value={store}>
      <header class="view-head">
        <h2 id="fleet-title">
          <Link href="~/fleet">Fleet</Link> › <span id="bucket-name">{bucket?.name ?? props.id}</span>
        </h2>
        <LiveBadge />
      </header>
      <Problem error={error} id="bucket-error" />
      <Tabs />
      <Switch>
        <Route path="/">
          <ProcessesView />
        </Route>
        <Route path="/s/:server">{(p: { server?: string }) => <ProcessesView server={segment(p.server)} />}</Route>
        <Route path="/s/:server/p/:pm">{(p: { server?: string; pm?: string }) => <ProcessView server={segment(p.server)} pm={segment(p.pm)} />}</Route>
        <Route path="/logs">
          <LogTail />
        </Route>
        <Route path="/exceptions">
          <ExceptionsPanel />
        </Route>
        <Route path="/events">
          <EventsPanel />
        </Route>
        <Route path="/alerts" component={AlertsView} />
        <Route path="/keys" component={KeysView} />
        <Route>
          <p class="notice warning">No such view of this bucket.</p>
        </Route>
      </Switch>
    </StoreContext.Provider>
  );
}
