-- Feed archives page through articles in the order they were first stored
-- (see store/feedqueries.go); these indexes make a page, a count and an
-- article's position cheap at any depth, site-wide and per category.
CREATE INDEX articles_by_created ON articles (created_at, id);
CREATE INDEX articles_by_category_created ON articles (category_slug, created_at, id);
