"""Full-text search over proposals. The only package that imports whoosh (built in its own issue);
the index is a rebuildable cache of the database, behind a Whoosh-free interface."""
