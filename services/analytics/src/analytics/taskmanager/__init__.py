"""An external task manager (the WeNet task manager's API): tasks and transactions of an app."""
