// Package share owns "Gửi cho bạn bè" and "Phản hồi": validation, abuse
// limits, the messages they send, the feedback moderation queue.
//
// A server-side "send to a friend" form is a known spam relay. What keeps
// this one from being one (see DESIGN.md):
//
//   - The subject is fixed text plus the article title; From is the site's
//     address; Reply-To is the sender's bare address, with no display name.
//     The only free text a stranger can put in front of a recipient is the
//     sender's name (no links, one line, short) and the note (140
//     characters, no links), both escaped, in the body.
//   - 1 to 3 recipients, each sent its own message, so that no recipient
//     sees another's address and each gets a "Không nhận email chia sẻ nữa"
//     link of their own (also as List-Unsubscribe, RFC 8058 one-click).
//     After it that address never gets another share.
//   - A first-time sender confirms their own address by a link before
//     anything is sent, and is then remembered by a signed cookie for 30
//     days. A subscriber arriving from a digest (?s=TOKEN, purpose
//     "share-sender", subject their address) counts as confirmed. The
//     confirmation email carries no text the form's user typed: not the
//     name, not the note, not the recipients, only the article's title and
//     how many recipients are waiting. Otherwise typing a victim's address as
//     "sender" would make the confirmation itself the spam.
//   - Every form carries a signed token tied to its article, that expires
//     and is spent on first use; a honeypot field; and a minimum fill time.
//   - Limits per IP (per /64 for IPv6), per sender, per recipient (per day,
//     and per article over the hash retention), on confirmation emails per
//     address, and a global hourly cap on share emails. The counters are in
//     the database, so every instance shares them.
//
// Friends' addresses are never stored in the clear. The limits and the
// suppression list key on keyed hashes (internal/token Hash), under a key
// that the database keeps for this package alone (store.SecretKey "share"),
// so that rotating security.secret_key does not forget who opted out. A
// share waiting for its sender's confirmation is not stored at all: it is
// sealed (AES-256-GCM, a key derived from the same secret) inside the
// confirmation link itself, which expires with share.confirm_ttl; the
// database only records that a link was used, by a hash of its nonce, so it
// sends once. The pending share thus lives exactly as long as the link, in
// the one mailbox that asked for it, and nowhere on the server.
//
// Suppressed recipients are dropped silently: the sender is not told that a
// third party opted out, which would disclose it.
//
// "Phản hồi" has the same form defences (token, honeypot, fill time, limits
// per IP, per address and overall). It sends nothing to the submitter, not
// even a confirmation request, which would make the form a way to mail a
// stranger; instead the queue records whether the submitter had already
// confirmed their address through the share flow (the cookie). Feedback
// lands in a moderation queue ([Queue]); editors (feedback.notify) are told
// in batches, at most one email per feedback.notify_interval across all
// instances.
package share
