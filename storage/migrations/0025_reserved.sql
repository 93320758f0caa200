-- Reserved for another branch of issue #14 (study 0024, matters 0025): delete at merge.
SELECT 1;
