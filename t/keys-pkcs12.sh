#!/bin/sh
# keys-pkcs12: export as PKCS#12 and PEM, read back by openssl; import of
# PKCS#12 (ours and OpenSSL's) and of PEM with an encrypted key; the
# passphrase comes from a file, never from the command line; a damaged
# MAC is told apart from a wrong passphrase.
. "$top_srcdir/t/keys-lib.sh"

printf 'correct horse battery\n' >"$WORK/pass"
printf 'wrong\n' >"$WORK/wrong"
status 0 "create the organisation's certificate" K create-cert org --smime \
    --email postmaster@example.org --key-type rsa2048
fp=$(fingerprint private/org.crt)

status 0 "export --help" K export --help
status 0 "export PKCS#12" K export org --out "$WORK/org.p12" \
    --passphrase-file "$WORK/pass"
same "$(stat -c %a "$WORK/org.p12")" 600 "PKCS#12 file mode 0600"
openssl pkcs12 -in "$WORK/org.p12" -info -noout -passin file:"$WORK/pass" \
    >"$WORK/info" 2>&1
contains "Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC" "$WORK/info" \
    "key protected with PBES2/PBKDF2 and AES-256-CBC"
contains "MAC: sha256" "$WORK/info" "SHA-256 MAC"
status 0 "openssl extracts the certificate" openssl pkcs12 \
    -in "$WORK/org.p12" -nokeys -clcerts -passin file:"$WORK/pass" \
    -out "$WORK/p12cert.pem"
same "$(fingerprint "$WORK/p12cert.pem")" "$fp" "same certificate"
status 0 "openssl extracts the key" openssl pkcs12 -in "$WORK/org.p12" \
    -nocerts -nodes -passin file:"$WORK/pass" -out "$WORK/p12key.pem"
openssl pkey -in "$WORK/p12key.pem" -pubout >"$WORK/k1" 2>/dev/null
openssl pkey -in private/org.key -pubout >"$WORK/k2"
status 0 "same key" cmp "$WORK/k1" "$WORK/k2"
status 1 "openssl refuses the wrong passphrase (MAC)" openssl pkcs12 \
    -in "$WORK/org.p12" -info -noout -passin file:"$WORK/wrong"
status 0 "export PKCS#12 with AES-128 for older readers" K export org \
    --out "$WORK/org128.p12" --passphrase-file "$WORK/pass" --cipher aes-128-cbc
openssl pkcs12 -in "$WORK/org128.p12" -info -noout -passin file:"$WORK/pass" \
    >"$WORK/info" 2>&1
contains "Shrouded Keybag: PBES2, PBKDF2, AES-128-CBC" "$WORK/info" "AES-128-CBC"
status 1 "an empty passphrase is refused" K export org --out "$WORK/e.p12" \
    --passphrase-file /dev/null
status 1 "no passphrase and no terminal: refused, never read from argv" \
    setsid -w "$KEYS" --keystore "$WORK/ks.db" --private-dir "$WORK/private" \
    export org --out "$WORK/t.p12"
contains "passphrase-file" "$err" "and asks for --passphrase-file"
status 1 "an existing output file is not replaced" K export org \
    --out "$WORK/org.p12" --passphrase-file "$WORK/pass"

# Round trip: import what was exported into another private directory.
status 0 "import the PKCS#12 file back" "$KEYS" --keystore "$WORK/ks.db" \
    --private-dir "$WORK/other" import "$WORK/org.p12" --name back \
    --passphrase-file "$WORK/pass"
same "$(fingerprint other/back.crt)" "$fp" "imported certificate is the same"
openssl pkey -in other/back.key -pubout >"$WORK/k3"
status 0 "imported key is the same" cmp "$WORK/k2" "$WORK/k3"
same "$(stat -c %a other/back.key)" 600 "imported key mode 0600"
status 1 "import with the wrong passphrase" K import "$WORK/org.p12" \
    --name bad --passphrase-file "$WORK/wrong"
contains "wrong passphrase" "$err" "says the passphrase is wrong"
[ ! -e private/bad.crt ]; tap_ok $? "nothing written after a wrong passphrase"

# A damaged file is not "a wrong passphrase": a flipped byte in the MAC
# (the passphrase still opens the contents), an unknown MAC algorithm.
cp "$WORK/org.p12" "$WORK/mac.p12"
flip "$WORK/mac.p12" $(($(mac_at "$WORK/org.p12") + 7))
status 1 "a damaged MAC, the right passphrase" K import "$WORK/mac.p12" \
    --name mac --passphrase-file "$WORK/pass"
contains "damaged: the passphrase opens its contents" "$err" \
    "says the file is damaged"
lacks "wrong passphrase" "$err" "not that the passphrase is wrong"
status 1 "a damaged MAC, a wrong passphrase" K import "$WORK/mac.p12" \
    --name mac --passphrase-file "$WORK/wrong"
contains "wrong passphrase" "$err" "says the passphrase is wrong"
cp "$WORK/org.p12" "$WORK/alg.p12"
flip "$WORK/alg.p12" $(($(mac_alg_at "$WORK/org.p12") + 8))
status 1 "an unknown MAC algorithm" K import "$WORK/alg.p12" --name alg \
    --passphrase-file "$WORK/pass"
contains "cannot be computed" "$err" "says the MAC cannot be computed"
[ ! -e private/mac.crt ] && [ ! -e private/alg.crt ]
tap_ok $? "nothing written from a damaged file"

# A PKCS#12 file written by OpenSSL itself, with a chain.
make_ca "Partner CA" pca
openssl req -newkey rsa:2048 -nodes -keyout "$WORK/pk.key" \
    -subj "/CN=sales@example.com" -addext "subjectAltName=email:sales@example.com" \
    -out "$WORK/pk.csr" 2>/dev/null
openssl x509 -req -in "$WORK/pk.csr" -CA "$WORK/pca.crt" -CAkey "$WORK/pca.key" \
    -CAcreateserial -days 10 -copy_extensions copy -out "$WORK/pk.crt" 2>/dev/null
openssl pkcs12 -export -in "$WORK/pk.crt" -inkey "$WORK/pk.key" \
    -certfile "$WORK/pca.crt" -passout file:"$WORK/pass" -out "$WORK/openssl.p12"
status 0 "import an OpenSSL PKCS#12 file (name from the file)" \
    K --json import "$WORK/openssl.p12" --passphrase-file "$WORK/pass"
contains '"name": "openssl"' "$out" "name taken from the file name"
contains '"chain": 1' "$out" "the CA certificate came along"
same "$(fingerprint private/openssl.crt)" "$(fingerprint "$WORK/pk.crt")" \
    "leaf first in openssl.crt"

# PEM with an encrypted private key
openssl pkcs8 -topk8 -v2 aes-256-cbc -in "$WORK/pk.key" \
    -passout file:"$WORK/pass" -out "$WORK/enc.key"
cat "$WORK/pk.crt" "$WORK/enc.key" >"$WORK/bundle.pem"
status 1 "encrypted PEM key without a passphrase: refused" \
    setsid -w "$KEYS" --keystore "$WORK/ks.db" --private-dir "$WORK/private" \
    import "$WORK/bundle.pem" --name pem1
status 0 "import PEM with an encrypted key" K import "$WORK/bundle.pem" \
    --name pem1 --passphrase-file "$WORK/pass"
status 0 "its key is stored unencrypted for the daemon" \
    openssl pkey -in private/pem1.key -noout -passin pass:
status 1 "PEM without a key: refused" K import "$WORK/pk.crt" --name nokey
contains "pubkey add" "$err" "and points at pubkey add"
status 1 "a file that is neither PEM nor PKCS#12" K import /etc/hostname --name x

# PEM export
status 0 "export PEM (certificate only)" K export org --format pem \
    --out "$WORK/org.pem"
lacks "PRIVATE KEY" "$WORK/org.pem" "no key in a certificate-only export"
same "$(fingerprint "$WORK/org.pem")" "$fp" "PEM certificate"
status 0 "export PEM with the key" K export org --format pem --with-key \
    --out "$WORK/orgkey.pem"
contains "PRIVATE KEY" "$WORK/orgkey.pem" "key included when asked"
same "$(stat -c %a "$WORK/orgkey.pem")" 600 "mode 0600 with a key"
status 0 "export PEM to standard output" K export org --format pem --out -
contains "BEGIN CERTIFICATE" "$out" "PEM on standard output"
status 1 "PKCS#12 to standard output refused" K export org --out - \
    --passphrase-file "$WORK/pass"
finish
