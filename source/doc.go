// Package source owns reading new articles into the store: files and
// directories, a watcher on the articles directory, and upstream RSS, Atom
// and JSON feeds.
//
// Every source writes through an ArticleSaver and identifies what it saved
// by a source key, so that importing the same thing twice updates one
// article instead of creating two:
//
//   - a file's key is "file:" and its slash-separated path relative to the
//     articles directory (ImporterOptions.Root), whether it arrives through
//     "bantin import" or the watcher; a file outside that directory is keyed
//     relative to the directory argument it was found under, or by its base
//     name when it was named directly;
//   - a feed item's key is "feed:" and its guid, else its link, else the
//     feed URL and a hash of the item's title and date.
//
// An item carried by two feeds is one article; when the feeds disagree
// about it (another Feed.Category, an edited text), the article follows
// whichever feed was polled last. An item with no date is published at the
// time it was first seen, and keeps that time at later polls.
//
// Walks follow symlinks to files but not to directories (a link back up
// the tree would never end); a symlinked articles directory itself is
// followed.
//
// Sources never delete articles. A file removed from the articles directory
// keeps its article: readers and digests may already link to it, and taking
// an article down is an editor's decision, not a side effect of a tidy-up.
package source
