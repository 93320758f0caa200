-- The township leadership's study ledger (#14): since when a member is marked as
-- township leadership (乡镇领导班子), a local date. Someone marked in September is not
-- judged against the pace of the whole year: what is expected of them is prorated from
-- that day (bot/centralised.py). Set when the mark goes on (roster import or anywhere
-- else it is set), cleared when it comes off. Those marked before this column existed
-- keep NULL: marked from 1 January.
ALTER TABLE members ADD COLUMN township_leadership_since TEXT;
