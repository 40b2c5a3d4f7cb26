// The console: sign-in, then a shell with a section per part of the platform, each view at its
// own hash URL (/#/metrics, /#/config/settings ...) so a reload or a shared link opens it again.
import { useEffect, useState } from "preact/hooks";
import { Link, Redirect, Route, Router, Switch } from "wouter-preact";
import { useHashLocation } from "wouter-preact/use-hash-location";
import { signOut } from "./config/api";
import { FollowersView } from "./config/followers";
import { HistoryView } from "./config/history";
import { OperatorsView } from "./config/operators";
import { SettingsView } from "./config/settings";
import { AnalyticsView } from "./analytics/section";
import { FleetView } from "./fleet/section";
import { ImportsView } from "./imports/section";
import { MetricsView } from "./metrics/section";
import { end, session, type Session } from "./session";
import { SignInView } from "./signin";

const SECTIONS = [
  { href: "/fleet", label: "Fleet" },
  { href: "/metrics", label: "Metrics" },
  { href: "/analytics", label: "Analytics" },
  { href: "/imports", label: "Imports" },
  { href: "/config/settings", label: "Variables", group: "Configuration" },
  { href: "/config/history", label: "History", group: "Configuration" },
  { href: "/config/followers", label: "Followers", group: "Configuration" },
  { href: "/config/operators", label: "Operators", group: "Configuration" },
];

function Nav() {
  const [location] = useHashLocation();
  return (
    <nav class="sections" aria-label="sections">
      <ul>
        {SECTIONS.map((s) => (
          <li key={s.href}>
            <Link href={s.href} class={location.startsWith(s.href) ? "active" : ""} aria-current={location.startsWith(s.href) ? "page" : undefined}>
              {s.group ? <span class="nav-group">{s.group} › </span> : null}
              {s.label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function Shell(props: { current: Session }) {
  const [leaving, setLeaving] = useState(false);
  async function leave(): Promise<void> {
    setLeaving(true);
    try {
      await signOut();
    } catch {
      // the token is forgotten here whatever the leader answered (it may have expired already)
    }
    end("You signed out.");
  }
  const expires = new Date(props.current.expiresAt);
  return (
    <div class="shell">
      <header class="topbar">
        <span class="brand">Meridian</span>
        <Nav />
        <div class="session" id="session">
          <span title={`session ends ${expires.toLocaleString()}`}>
            signed in as <strong id="operator-name">{props.current.user.username}</strong>
          </span>
          <button id="sign-out" type="button" onClick={() => void leave()} disabled={leaving}>
            Sign out
          </button>
        </div>
      </header>
      <main class="main">
        <Switch>
          <Route path="/fleet" nest component={FleetView} />
          <Route path="/metrics" component={MetricsView} />
          <Route path="/analytics" nest component={AnalyticsView} />
          <Route path="/imports" nest component={ImportsView} />
          <Route path="/config/settings" component={SettingsView} />
          <Route path="/config/history" component={HistoryView} />
          <Route path="/config/followers" component={FollowersView} />
          <Route path="/config/operators" component={OperatorsView} />
          <Route path="/config">
            <Redirect to="/config/settings" />
          </Route>
          <Route>
            <Redirect to="/metrics" />
          </Route>
        </Switch>
      </main>
    </div>
  );
}

export function App() {
  const [current, setCurrent] = useState<Session | null>(session.get());
  const [message, setMessage] = useState("");
  useEffect(
    () =>
      session.subscribe((next, why) => {
        setCurrent(next);
        setMessage(why);
      }),
    [],
  );
  // Signed out, the URL is kept: signing in again opens the view that was asked for.
  return <Router hook={useHashLocation}>{current ? <Shell key={current.token} current={current} /> : <SignInView message={message} />}</Router>;
}
