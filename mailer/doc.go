// Package mailer owns sending mail: building messages (MIME, RFC 2047
// headers, Message-ID, List-Unsubscribe, DKIM), a pool of SMTP connections
// with a rate limit, telling temporary failures from permanent ones, and a
// Maildir transport for running without a mail server. The digest workers
// send through it in bulk, thousands of messages a second; the share and
// feedback flows send one message at a time.
//
// # Use
//
// [New] returns a [Mailer] for [Options] ([OptionsFromConfig] derives them
// from bantin's configuration). [Mailer.Send] is safe for any number of
// goroutines: it builds the [Message], waits for the rate limit and for a
// free connection, and returns nil once the server has accepted the
// message, or a [*SendError] saying whether to try again ([IsTemporary])
// or not ([IsPermanent]), with the SMTP code, the enhanced status code and,
// when the server refused an address, the Recipient. Packages that send
// take a [Sender], which *Mailer implements.
//
// Nothing reaches a header except through Message's typed fields, each
// checked and encoded for its place: addresses must parse with net/mail
// and contain no control characters, and are sent with their domain in
// lower case and IDNs in punycode; the subject and display names are
// RFC 2047 encoded; List-Unsubscribe takes an http(s) URL and an optional
// mailto: URI. A bulk message (Bulk) must have an unsubscribe URL and
// carries List-Id, List-Unsubscribe and List-Unsubscribe-Post (RFC 8058).
// Every message gets a random Message-ID on the site's domain.
//
// # Bulk: building once, sending fast
//
// A digest is the same list of articles for every subscriber of a set of
// categories, with a greeting and an unsubscribe link of their own. The
// shared parts are encoded once with [NewFragment]; a Message lists its
// body as fragments (TextParts, HTMLParts), so per recipient only the
// personal fragments are encoded and the rest is copied. Building such an
// 18 KB message takes about 6µs and 22 small allocations (go test -bench
// BuildMessage); the same message as a go-mail Msg written out takes about
// 150µs and 210 allocations (120 KB). Bodies are always UTF-8,
// quoted-printable, text and/or HTML (multipart/alternative): unlike
// base64, quoted-printable fragments encoded apart join into a valid
// encoding of the whole, and the encoder escapes a "." or "From " at the
// start of a line, so no message ever needs SMTP dot-stuffing. The
// multipart boundary is a constant holding "=_", which quoted-printable
// cannot produce.
//
// # go-mail, and where this package goes around it
//
// SMTP goes through github.com/wneessen/go-mail: each connection of the
// pool is its own go-mail Client (one Client is one connection and
// serialises its sends), which dials, says EHLO, does STARTTLS or
// implicit TLS, and authenticates. Messages are not go-mail Msgs, though:
// they are built by this package as above and sent on the Client's
// smtp.Client, go-mail's low-level SMTP, because at thousands of messages
// a second go-mail's per-message path is the bottleneck. Measured on this
// package's benchmark (an in-process server, 4 connections, 18 KB),
// go-mail's Client.Send of a Msg managed 900 to 1,300 messages a second;
// this package 3,300 to 5,600 on the same server, with a fortieth of the
// allocation. Three things make the difference:
//
//   - No Msg: go-mail builds each message from scratch (above), and its
//     Client.Send adds a NOOP before and a RSET after every message: six
//     round trips where four do.
//   - PIPELINING (RFC 2920): when the server offers it, a one-recipient
//     message is sent as MAIL, RCPT and DATA in one write and their three
//     replies read together, so two round trips per message instead of
//     four. go-mail's smtp.Client cannot pipeline; this is done on its
//     Text connection, which it exports for extensions. Messages to
//     several recipients, and servers without PIPELINING, use go-mail's
//     Mail, Rcpt and Data one at a time.
//   - No dot-stuffing pass: textproto's DotWriter, under go-mail's Data,
//     examines every byte of every message, which was most of the client's
//     CPU time. Messages built here are checked to be dot-safe and written
//     to the connection as they are.
//
// Against Postfix's smtp-sink on the same host, bench/mailblast (18 KB,
// 4 connections) sends about as fast as Postfix's own smtp-source
// (0.9 to 1.3 times its rate on a busy two-CPU machine).
//
// DKIM (RSA or Ed25519, relaxed/relaxed) is signed with
// github.com/emersion/go-msgauth, not go-mail's signer: go-mail v0.8.1
// folds the DKIM-Signature field every 76 characters even inside the h=
// list of header names, which relaxed canonicalisation turns into a space
// that was not signed, so its signatures fail whenever they cover more
// than a handful of fields. Ours cover From, To, Subject, Date,
// Message-ID, Reply-To, List-Id, List-Unsubscribe, List-Unsubscribe-Post
// and the MIME fields, and sign the ones readers see or act on once more
// than they occur, so none can be added in transit. Signing dominates the
// cost of a signed message: about 0.3 ms with Ed25519 and 1.5 ms with a
// 2048-bit RSA key per message and CPU, so signed bulk mail at thousands
// a second needs several cores, or signing at the relay.
//
// # Connections and failures
//
// The pool holds SMTPOptions.Connections connections, opened when first
// needed (a server that is down when bantin starts only makes sends fail,
// temporarily, until it is back) and reused for message after message.
// After a failed transaction a connection is reset with RSET if the
// conversation is still in step, and dropped otherwise (a network error, a
// timeout, a 421), to be reopened by the next send. A connection the
// server closed while it sat idle costs nothing: a send that fails before
// the server has accepted anything of its message is tried once more on a
// fresh connection. Every step of a conversation has SMTPOptions.Timeout,
// and a cancelled context interrupts it.
//
// Only a 5xx reply is permanent. Network errors, timeouts, TLS problems
// and replies the client does not expect are temporary: calling them
// permanent would bounce subscribers for our own or the network's
// trouble. A message refused for one of several recipients is sent to
// none of them, so that retrying it cannot send it twice.
//
// # Maildir
//
// The maildir transport, the default, writes each message to tmp/ under a
// unique name (time, microseconds, pid, a sequence number, random bits,
// host), syncs it, and renames it into new/, where any mail client that
// reads Maildir finds it. Files have Unix line endings and a Return-Path,
// as a local delivery agent writes them.
//
// # Logging
//
// The Mailer logs connection events: the first failure to connect at warn,
// getting back at info. It never logs bodies, passwords or keys, and
// recipients only as a hash, at debug level.
package mailer
