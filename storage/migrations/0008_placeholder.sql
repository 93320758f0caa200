-- A placeholder for the 0008 another branch brings (helper "rights" was given 0009): the
-- migrations must be numbered without gaps, so this keeps 0009 runnable on its own. At
-- the merge the other branch's 0008 replaces this file.
SELECT 1;
