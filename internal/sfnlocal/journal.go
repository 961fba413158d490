package sfnlocal

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
)

// The state file is a journal: journalMagic, then one frame per commit,
// written with a single write(2):
//
//	uint32 LE payload length | uint32 LE CRC-32C of the payload | payload
//
// The payload is a JSON array of records (store.go). A process killed in
// the middle of a write leaves a frame cut short: readFrames ends the
// journal at the first frame that is incomplete, empty or fails its
// checksum, so a torn tail is dropped and everything before it kept.
const journalMagic = "sfnlocal journal 2\n"

const frameHeaderBytes = 8

var (
	crcTable = crc32.MakeTable(crc32.Castagnoli)

	errNotJournal = errors.New("not an sfnlocal journal")
)

// appendFrame appends payload, framed, to buf.
func appendFrame(buf, payload []byte) []byte {
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(payload)))
	buf = binary.LittleEndian.AppendUint32(buf, crc32.Checksum(payload, crcTable))
	return append(buf, payload...)
}

// readFrames calls fn with the payload of every intact frame of data, in
// order, and returns the length of the intact prefix (header included).
// An error of fn stops the reading and is returned as is.
func readFrames(data []byte, fn func(payload []byte) error) (int, error) {
	if !bytes.HasPrefix(data, []byte(journalMagic)) {
		return 0, errNotJournal
	}
	off := len(journalMagic)
	for {
		rest := data[off:]
		if len(rest) < frameHeaderBytes {
			return off, nil
		}
		n := uint64(binary.LittleEndian.Uint32(rest))
		if n == 0 || n > uint64(len(rest)-frameHeaderBytes) {
			return off, nil
		}
		payload := rest[frameHeaderBytes : frameHeaderBytes+n]
		if crc32.Checksum(payload, crcTable) != binary.LittleEndian.Uint32(rest[4:]) {
			return off, nil
		}
		if err := fn(payload); err != nil {
			return off, err
		}
		off += frameHeaderBytes + int(n)
	}
}
