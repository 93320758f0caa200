-- Reserved for another branch's migration (issue #16); the lead deletes this at merge.
SELECT 1;
