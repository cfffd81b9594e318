// Package newsletter owns subscribers, their preferences and consent,
// editions (digests), the schedule and the delivery queue.
//
// # Subscribers
//
// Subscribing is double opt-in: the form (or `bantin subscribers add`)
// creates a pending subscriber and mails a signed, expiring confirmation
// link; nothing else is ever sent to an address until it is confirmed.
// Confirming is a POST from the page the link opens, never the GET itself,
// because mail scanners follow links. The same goes for unsubscribing:
// the link in List-Unsubscribe takes one POST (RFC 8058) and a GET only
// shows a button.
//
// The form answers every address the same way. A new, pending,
// unsubscribed or bounced address gets a confirmation; an active or paused
// one gets a notice with its preferences link instead, so that someone who
// lost their links can get them back, and nothing in the answer tells a
// stranger whether an address is on the list. Both kinds of mail count
// towards the limit of confirmation mail per address and day.
//
// A bounced address gets nothing more until it confirms again:
// subscribing it again sends a confirmation, and confirming makes it active
// and resets its bounce count.
//
// Links carry signed tokens (package internal/token) whose subject is the
// subscriber's id and creation time, so that a link stays bound to the
// person it was sent to even if an erased subscriber's id is ever reused.
// Tokens are not stored: a preferences or unsubscribe link stays valid for
// newsletter.link_ttl, a confirmation for newsletter.confirm_ttl.
//
// Every change is recorded in the subscriber's consent record (Decree
// 13/2023): the action, the time, a keyed hash of the IP address (never the
// address), and the versions of the form and of the consent text shown.
// Erasing a subscriber deletes the row and the whole record; what remains
// are the rate limit entries, keyed hashes that expire within a day.
package newsletter
