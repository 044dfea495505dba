"""The README.txt of an evidence bundle: what is inside and how a judge checks it by hand.

Kept as a Python string, not a package-data file, so it ships with the code that writes the
bundle. It is explanation, not evidence: the verifier never reads it.
"""

from __future__ import annotations

__all__ = ["readme_text"]

_TEXT = """\
方度（Fangdu）纺织图案版权登记 · 电子证据包
==========================================

对象：{subject}
日志：{origin}，检查点树大小 {size}，含 {entries} 条日志条目、{files} 个文件。

一、包内文件
- manifest.json：清单。登记对象、登记信息、日志名称（origin）、检查点树大小、
  每条条目的序号、叶哈希（leaf_hash）与包含证明（inclusion_proof），以及各文件。
- entries/<序号>.json：日志条目原文（RFC 8785 规范化 JSON），由提交人的 Ed25519
  密钥签名。"prev" 为同一对象上一条条目的叶哈希，第一条为 null。
- openings/<序号>.bin：未公开条目（申请、审查决定）的承诺开启值：32 字节随机盐，其后为
  事实的 RFC 8785 规范化 JSON。公开日志中该条目的 "facts" 只有 "commitment"（承诺值）。
- files/<SHA-256><扩展名>：条目所登记的原始文件，逐字节原样保存，文件名即其 SHA-256。
- checkpoint：日志签名的检查点（C2SP signed note），之后可有见证人的联署签名行。
- checkpoint.txt：检查点正文（日志名称、树大小、Base64 根哈希），即时间戳所盖的内容。
- checkpoint.tsr：RFC 3161 时间戳响应（DER）；tsa-chain.pem：时间戳机构证书链（含根证书）。
- keys/log.vkey：日志验证公钥；keys/witnesses.vkey：见证人公钥，每行一个（可为空）。
- README.txt：本说明。它不是证据，校验时不检查。

二、人工校验（只用标准工具）
1. 文件：sha256sum files/*，每个结果应等于文件名，且出现在某条条目的 "files" 中。
2. 叶哈希：printf '\\x00' | cat - entries/N.json | sha256sum
   结果应等于 manifest.json 中该条目的 leaf_hash（RFC 6962：SHA-256(0x00 ‖ 条目)）。
3. 包含证明（RFC 9162 第 2.1.3.2 节）：令 r = 叶哈希，fn = 条目序号，sn = 树大小 − 1。
   依次取 inclusion_proof 中的每个哈希 p（Base64 解码）：若 fn 为奇数或 fn = sn，
   则 r = SHA-256(0x01 ‖ p ‖ r)，且当 fn 为偶数时把 fn、sn 同时右移直到 fn 为奇数或 0；
   否则 r = SHA-256(0x01 ‖ r ‖ p)。然后 fn、sn 各右移一位。全部用完时 sn 应为 0，
   r 应等于 checkpoint.txt 第三行的根哈希。
4. 条目链：同一对象的条目按序号排列，第一条 prev 为 null，其后每条的 prev 等于前一条的叶哈希。
5. 签名检查点：checkpoint 中空行之前的正文应与 checkpoint.txt 完全相同。签名行
   "— <名称> <Base64>" 为 4 字节密钥编号加 64 字节 Ed25519 签名，用 keys/log.vkey 验证。
   请把 log.vkey 中的密钥编号（名称后的 8 位十六进制）与登记机构公开发布的编号比对。
6. 时间戳：
   openssl ts -verify -in checkpoint.tsr -data checkpoint.txt -CAfile tsa-root.pem
   tsa-root.pem 应为从时间戳机构独立取得的根证书（tsa-chain.pem 末尾附有一份，可比对指纹）。
   输出 "Verification: OK" 即通过；openssl ts -reply -in checkpoint.tsr -text 显示盖戳时间。
7. 承诺开启：sha256sum openings/N.bin 的结果应等于 entries/N.json 中 "facts" 的
   "commitment"；tail -c +33 openings/N.bin 显示所承诺的事实（名称、日期等）。

一键校验：fangdu verify bundle.zip 完成以上全部检查，并逐项列出结果。

------------------------------------------------------------------------------

Fangdu textile-pattern copyright registry · evidence bundle
===========================================================

Subject: {subject}
Log: {origin}, checkpoint tree size {size}, {entries} log entries, {files} files.

1. What is inside
- manifest.json: the index. Subject, registration record, log origin, checkpoint tree size,
  each entry's index, leaf hash and inclusion proof, and the files.
- entries/<index>.json: the log entries exactly as logged (RFC 8785 canonical JSON), each
  signed by its submitter's Ed25519 key. "prev" is the leaf hash of the previous entry about
  the same subject, null for the first.
- openings/<index>.bin: the opening of a sealed entry (an application, a decision): 32 bytes
  of random salt, then the facts in RFC 8785 canonical JSON. In the public log that entry's
  "facts" hold only "commitment".
- files/<SHA-256><ext>: the files the entries register, byte for byte; the name is the hash.
- checkpoint: the log's signed checkpoint (C2SP signed note), then any witness cosignatures.
- checkpoint.txt: the checkpoint body (origin, tree size, base64 root hash): what the
  timestamp authority stamped.
- checkpoint.tsr: the RFC 3161 time-stamp response (DER); tsa-chain.pem: the time-stamp
  authority's certificate chain, root included.
- keys/log.vkey: the log's verifier key; keys/witnesses.vkey: witness keys, one per line.
- README.txt: this text. It is not evidence and the verifier does not read it.

2. Checking by hand, with standard tools
1. Files: sha256sum files/* -- each result must equal the file's name and appear in the
   "files" of some entry.
2. Leaf hash: printf '\\x00' | cat - entries/N.json | sha256sum
   must equal that entry's leaf_hash in manifest.json (RFC 6962: SHA-256(0x00 || entry)).
3. Inclusion proof (RFC 9162, section 2.1.3.2): let r = the leaf hash, fn = the entry's
   index, sn = tree size - 1. For each hash p of inclusion_proof in turn (base64-decoded):
   if fn is odd or fn = sn, then r = SHA-256(0x01 || p || r), and if fn is even, shift fn and
   sn right together until fn is odd or 0; otherwise r = SHA-256(0x01 || r || p). Then shift
   fn and sn right by one. At the end sn must be 0 and r must equal the root hash on the
   third line of checkpoint.txt.
4. Entry chain: in index order, the first entry's prev is null and each later entry's prev
   is the leaf hash of the one before.
5. Signed checkpoint: the text of checkpoint before the blank line must equal checkpoint.txt.
   Its signature line "— <name> <base64>" is a 4-byte key id and a 64-byte Ed25519
   signature, checked with keys/log.vkey. Compare the key id in log.vkey (the 8 hex digits
   after the name) with the one the registry publishes.
6. Timestamp:
   openssl ts -verify -in checkpoint.tsr -data checkpoint.txt -CAfile tsa-root.pem
   where tsa-root.pem is the root certificate obtained from the time-stamp authority itself
   (a copy ends tsa-chain.pem, to compare fingerprints). "Verification: OK" means it holds;
   openssl ts -reply -in checkpoint.tsr -text shows the time.
7. Openings: sha256sum openings/N.bin must equal the "commitment" in the "facts" of
   entries/N.json; tail -c +33 openings/N.bin shows the facts committed to (title, dates...).

All at once: fangdu verify bundle.zip runs every check above and lists each result.
"""


def readme_text(subject: str, origin: str, size: int, entries: int, files: int) -> str:
    """The README for one bundle: the fixed explanation, with this bundle's particulars."""
    return _TEXT.format(subject=subject, origin=origin, size=size, entries=entries, files=files)
