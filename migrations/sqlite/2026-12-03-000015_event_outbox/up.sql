-- Issue 32, point 3: an action that others must hear of (a message, a
-- thread closing or reopening) writes its events here in its own
-- transaction; a relay publishes them to the live streams afterwards and
-- deletes them. No event is lost when the process dies after the commit
-- (the next relay publishes it), and none is sent for a rolled-back action.
-- Events carry ids and kinds, never message text.
CREATE TABLE event_outbox (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    topic          TEXT NOT NULL,
    kind           TEXT NOT NULL,
    data           TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    -- A relay that took the event and has not said it published it holds
    -- it until then; after that another relay may take it.
    claimed_until  TIMESTAMP
);
