-- The caller of an emergency learns on the line that the technician took it
-- (agent/actions/escalation/service.py). When that happened, caller_told_at is set;
-- otherwise the caller gets an SMS (escalation_notifications, purpose
-- 'caller_acknowledged'), also from the start-up sweep after a restart.

ALTER TABLE escalations ADD COLUMN caller_told_at timestamptz;

COMMENT ON COLUMN escalations.caller_told_at IS
    'when the caller heard on the line that the technician took the emergency';
