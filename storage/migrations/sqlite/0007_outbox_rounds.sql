-- Cheaper deliveries: the due index holds only rows still to send (a claim leaves a row in it,
-- a finished row leaves it), and a sent delivery stamps its subscription within the same
-- statement, so finishing a batch of outcomes is one statement.

DROP INDEX deliveries_due;
CREATE INDEX deliveries_due ON deliveries(next_attempt_at) WHERE status = 'pending' OR status = 'sending';

CREATE TRIGGER deliveries_stamp_subscription AFTER UPDATE OF status ON deliveries
WHEN new.status = 'sent'
BEGIN
    UPDATE subscriptions SET last_delivery_at = new.finished_at WHERE id = new.subscription_id;
END;

-- The dashboard's failed deliveries, newest first, without walking every sent one.
CREATE INDEX deliveries_failed ON deliveries(finished_at) WHERE status = 'failed';
