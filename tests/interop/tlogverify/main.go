// Command tlogverify checks a transparency log published as C2SP static files
// (c2sp.org/tlog-tiles) with Go's own golang.org/x/mod/sumdb/note and tlog
// packages: a verification written by a third party, independent of Fangdu's
// Python code.
//
//	tlogverify verify -dir DIR -vkey VKEY [-sample N] [OLD_CHECKPOINT...]
//	tlogverify sign -skey SKEY        < text  > signed note
//	tlogverify open -vkey VKEY        < note  > text
//
// verify opens DIR/checkpoint with the log's verifier key, checks that the
// tiles under DIR/tile/<L>/... hash to the checkpoint's root, that every entry
// in DIR/tile/entries/... hashes to its leaf, proves and checks the inclusion
// of every entry (or N evenly spaced ones), and proves and checks consistency
// with each OLD_CHECKPOINT file and a few derived older sizes. It prints one
// line and exits 0 when everything holds, 1 otherwise.
//
// Build offline with Debian's golang-go and golang-golang-x-mod-dev:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o tlogverify ./tests/interop/tlogverify
package main

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const tileHeight = 8

func main() {
	if len(os.Args) < 2 {
		fail(errors.New("usage: tlogverify verify|sign|open ..."))
	}
	var err error
	switch os.Args[1] {
	case "verify":
		err = verifyCmd(os.Args[2:])
	case "sign":
		err = signCmd(os.Args[2:])
	case "open":
		err = openCmd(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "FAIL:", err)
	os.Exit(1)
}

func signCmd(args []string) error {
	flags := flag.NewFlagSet("sign", flag.ContinueOnError)
	skey := flags.String("skey", "", "signer key (PRIVATE+KEY+...)")
	if err := flags.Parse(args); err != nil {
		return err
	}
	signer, err := note.NewSigner(*skey)
	if err != nil {
		return fmt.Errorf("note.NewSigner: %v", err)
	}
	text, err := io.ReadAll(os.Stdin)
	if err != nil {
		return err
	}
	msg, err := note.Sign(&note.Note{Text: string(text)}, signer)
	if err != nil {
		return fmt.Errorf("note.Sign: %v", err)
	}
	_, err = os.Stdout.Write(msg)
	return err
}

func openCmd(args []string) error {
	flags := flag.NewFlagSet("open", flag.ContinueOnError)
	vkey := flags.String("vkey", "", "verifier key")
	if err := flags.Parse(args); err != nil {
		return err
	}
	verifiers, err := verifierList(*vkey)
	if err != nil {
		return err
	}
	msg, err := io.ReadAll(os.Stdin)
	if err != nil {
		return err
	}
	n, err := note.Open(msg, verifiers)
	if err != nil {
		return fmt.Errorf("note.Open: %v", err)
	}
	_, err = os.Stdout.Write([]byte(n.Text))
	return err
}

func verifierList(vkey string) (note.Verifiers, error) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("note.NewVerifier(%q): %v", vkey, err)
	}
	return note.VerifierList(v), nil
}

// checkpoint is a parsed c2sp.org/tlog-checkpoint note text.
type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
}

var sizePattern = regexp.MustCompile(`^(0|[1-9][0-9]*)$`)

func openCheckpoint(path string, verifiers note.Verifiers) (checkpoint, error) {
	msg, err := os.ReadFile(path)
	if err != nil {
		return checkpoint{}, err
	}
	n, err := note.Open(msg, verifiers)
	if err != nil {
		return checkpoint{}, fmt.Errorf("%s: note.Open: %v", path, err)
	}
	lines := strings.Split(strings.TrimSuffix(n.Text, "\n"), "\n")
	if len(lines) < 3 || lines[0] == "" {
		return checkpoint{}, fmt.Errorf("%s: not a checkpoint", path)
	}
	if !sizePattern.MatchString(lines[1]) {
		return checkpoint{}, fmt.Errorf("%s: bad tree size %q", path, lines[1])
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		return checkpoint{}, fmt.Errorf("%s: bad tree size %q", path, lines[1])
	}
	root, err := tlog.ParseHash(lines[2])
	if err != nil {
		return checkpoint{}, fmt.Errorf("%s: bad root hash %q", path, lines[2])
	}
	return checkpoint{origin: lines[0], size: size, root: root}, nil
}

// dirTiles is a tlog.TileReader over C2SP tile files. Go's tile paths are
// tile/<H>/<L>/<N>[.p/<W>] with the height in them; C2SP drops the height
// (it is always 8) and names the data tiles "entries".
type dirTiles struct {
	dir   string
	cache map[string][]byte
}

func (d *dirTiles) Height() int { return tileHeight }

func (d *dirTiles) SaveTiles([]tlog.Tile, [][]byte) {}

func (d *dirTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		data, _, err := d.read(t)
		if err != nil {
			return nil, err
		}
		out[i] = data
	}
	return out, nil
}

func c2spPath(t tlog.Tile) string {
	p := strings.TrimPrefix(t.Path(), fmt.Sprintf("tile/%d/", tileHeight))
	if t.L == -1 {
		p = "entries" + strings.TrimPrefix(p, "data")
	}
	return "tile/" + p
}

// read returns the hashes of tile t, or the bytes of the entry bundle of a
// data tile with the width of the file they came from. A log keeps a partial
// tile only while it is the newest; later a wider partial or the full tile
// holds the same hashes as a prefix, so those are tried in turn.
func (d *dirTiles) read(t tlog.Tile) ([]byte, int, error) {
	full := t
	full.W = 1 << tileHeight
	candidates := []tlog.Tile{t}
	if t.W != full.W {
		candidates = append(candidates, full)
		candidates = append(candidates, d.widerPartials(t)...)
	}
	for _, c := range candidates {
		path := c2spPath(c)
		data, ok := d.cache[path]
		if !ok {
			var err error
			data, err = os.ReadFile(filepath.Join(d.dir, filepath.FromSlash(path)))
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			if err != nil {
				return nil, 0, err
			}
			d.cache[path] = data
		}
		if t.L == -1 {
			return data, c.W, nil
		}
		if len(data) != c.W*tlog.HashSize {
			return nil, 0, fmt.Errorf("%s is %d bytes, want %d", path, len(data), c.W*tlog.HashSize)
		}
		return data[:t.W*tlog.HashSize], c.W, nil
	}
	return nil, 0, fmt.Errorf("no file for %s", c2spPath(t))
}

func (d *dirTiles) widerPartials(t tlog.Tile) []tlog.Tile {
	partialDir := filepath.Join(d.dir, filepath.FromSlash(strings.SplitN(c2spPath(t), ".p/", 2)[0]+".p"))
	names, _ := os.ReadDir(partialDir)
	var wider []tlog.Tile
	for _, name := range names {
		w, err := strconv.Atoi(name.Name())
		if err == nil && w > t.W && w < 1<<tileHeight {
			c := t
			c.W = w
			wider = append(wider, c)
		}
	}
	sort.Slice(wider, func(i, j int) bool { return wider[i].W < wider[j].W })
	return wider
}

func parseBundle(data []byte) ([][]byte, error) {
	var entries [][]byte
	for len(data) > 0 {
		if len(data) < 2 {
			return nil, errors.New("truncated entry length")
		}
		n := int(binary.BigEndian.Uint16(data))
		if len(data) < 2+n {
			return nil, errors.New("truncated entry")
		}
		entries = append(entries, data[2:2+n])
		data = data[2+n:]
	}
	return entries, nil
}

func verifyCmd(args []string) error {
	flags := flag.NewFlagSet("verify", flag.ContinueOnError)
	dir := flags.String("dir", "", "directory with checkpoint and tile/")
	vkey := flags.String("vkey", "", "the log's verifier key")
	sample := flags.Int64("sample", 0, "check inclusion of this many entries (0: all)")
	if err := flags.Parse(args); err != nil {
		return err
	}
	verifiers, err := verifierList(*vkey)
	if err != nil {
		return err
	}
	cp, err := openCheckpoint(filepath.Join(*dir, "checkpoint"), verifiers)
	if err != nil {
		return err
	}
	if cp.size == 0 {
		// Go's tlog gives the empty tree an all-zero hash; RFC 6962 says SHA-256().
		if cp.root != tlog.Hash(sha256.Sum256(nil)) {
			return errors.New("empty tree with a root other than SHA-256()")
		}
		fmt.Printf("OK %s size=0 (empty log)\n", cp.origin)
		return nil
	}
	tiles := &dirTiles{dir: *dir, cache: map[string][]byte{}}
	hashes := tlog.TileHashReader(tlog.Tree{N: cp.size, Hash: cp.root}, tiles)
	th, err := tlog.TreeHash(cp.size, hashes)
	if err != nil {
		return fmt.Errorf("tree hash: %v", err)
	}
	if th != cp.root {
		return fmt.Errorf("tiles hash to %v, checkpoint says %v", th, cp.root)
	}

	// Every entry hashes to its stored leaf hash; the leaf hashes come from
	// tiles that TileHashReader authenticated against the root.
	leaves := make([]tlog.Hash, 0, cp.size)
	for n := int64(0); n*(1<<tileHeight) < cp.size; n++ {
		width := cp.size - n*(1<<tileHeight)
		if width > 1<<tileHeight {
			width = 1 << tileHeight
		}
		bundle := tlog.Tile{H: tileHeight, L: -1, N: n, W: int(width)}
		data, fileWidth, err := tiles.read(bundle)
		if err != nil {
			return err
		}
		entries, err := parseBundle(data)
		if err != nil {
			return fmt.Errorf("%s: %v", c2spPath(bundle), err)
		}
		if len(entries) != fileWidth {
			return fmt.Errorf("bundle %d has %d entries, its file name says %d", n, len(entries), fileWidth)
		}
		indexes := make([]int64, width)
		for i := range indexes {
			indexes[i] = tlog.StoredHashIndex(0, n*(1<<tileHeight)+int64(i))
		}
		stored, err := hashes.ReadHashes(indexes)
		if err != nil {
			return fmt.Errorf("leaf hashes of bundle %d: %v", n, err)
		}
		for i := int64(0); i < width; i++ {
			leaf := tlog.RecordHash(entries[i])
			if leaf != stored[i] {
				return fmt.Errorf("entry %d does not hash to its leaf", n*(1<<tileHeight)+i)
			}
			leaves = append(leaves, leaf)
		}
	}

	// The root straight from the entries, without the tiles: x/mod's
	// TileHashReader (v0.7.0) does not authenticate every tile it reads.
	if root := rootOf(leaves); root != cp.root {
		return fmt.Errorf("entries hash to %v, checkpoint says %v", root, cp.root)
	}

	// Inclusion of each (sampled) entry in the checkpoint's tree.
	step := int64(1)
	if *sample > 0 && cp.size > *sample {
		step = cp.size / *sample
	}
	proved := 0
	for i := int64(0); i < cp.size; i += step {
		if err := proveRecord(hashes, cp, i, leaves[i]); err != nil {
			return err
		}
		proved++
	}
	if step > 1 {
		if err := proveRecord(hashes, cp, cp.size-1, leaves[cp.size-1]); err != nil {
			return err
		}
		proved++
	}

	// Consistency with the older checkpoints given, then a few derived sizes.
	consistent := 0
	for _, path := range flags.Args() {
		old, err := openCheckpoint(path, verifiers)
		if err != nil {
			return err
		}
		if old.origin != cp.origin {
			return fmt.Errorf("%s is for %q, not %q", path, old.origin, cp.origin)
		}
		if err := proveTree(hashes, cp, old.size, old.root); err != nil {
			return fmt.Errorf("%s: %v", path, err)
		}
		consistent++
	}
	for _, n := range []int64{1, cp.size / 3, cp.size / 2, cp.size - 1} {
		if n < 1 {
			continue
		}
		oldRoot, err := tlog.TreeHash(n, hashes)
		if err != nil {
			return fmt.Errorf("tree hash at %d: %v", n, err)
		}
		if err := proveTree(hashes, cp, n, oldRoot); err != nil {
			return err
		}
		consistent++
	}
	fmt.Printf("OK %s size=%d root=%v entries=%d inclusion=%d consistency=%d\n",
		cp.origin, cp.size, cp.root, len(leaves), proved, consistent)
	return nil
}

// rootOf is RFC 6962's MTH over leaf hashes.
func rootOf(leaves []tlog.Hash) tlog.Hash {
	if len(leaves) == 1 {
		return leaves[0]
	}
	k := 1
	for 2*k < len(leaves) {
		k *= 2
	}
	return tlog.NodeHash(rootOf(leaves[:k]), rootOf(leaves[k:]))
}

func proveRecord(hashes tlog.HashReader, cp checkpoint, index int64, leaf tlog.Hash) error {
	proof, err := tlog.ProveRecord(cp.size, index, hashes)
	if err != nil {
		return fmt.Errorf("prove record %d: %v", index, err)
	}
	if err := tlog.CheckRecord(proof, cp.size, cp.root, index, leaf); err != nil {
		return fmt.Errorf("check record %d: %v", index, err)
	}
	return nil
}

func proveTree(hashes tlog.HashReader, cp checkpoint, oldSize int64, oldRoot tlog.Hash) error {
	if oldSize > cp.size {
		return fmt.Errorf("old size %d is larger than %d", oldSize, cp.size)
	}
	if oldSize == 0 {
		if oldRoot != tlog.Hash(sha256.Sum256(nil)) {
			return errors.New("empty tree with a root other than SHA-256()")
		}
		return nil
	}
	if oldSize == cp.size {
		if oldRoot != cp.root {
			return fmt.Errorf("two roots for size %d", oldSize)
		}
		return nil
	}
	proof, err := tlog.ProveTree(cp.size, oldSize, hashes)
	if err != nil {
		return fmt.Errorf("prove tree %d -> %d: %v", oldSize, cp.size, err)
	}
	if err := tlog.CheckTree(proof, cp.size, cp.root, oldSize, oldRoot); err != nil {
		return fmt.Errorf("check tree %d -> %d: %v", oldSize, cp.size, err)
	}
	return nil
}
