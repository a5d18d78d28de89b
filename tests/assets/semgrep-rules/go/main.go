// Targets for secpipe's Go rules (tests/tools/test_semgrep_rules.py).
//
// `// ruleid: <id>` marks that the next line must be reported by that rule;
// `// ok: <id>` marks that the next line must not be. Deliberately unsafe code: never run it.
package main

import (
	"context"
	"crypto/aes"
	"crypto/des"
	cryptorand "crypto/rand"
	"crypto/rc4"
	"crypto/sha256"
	"crypto/tls"
	"database/sql"
	"encoding/hex"
	"fmt"
	"math/rand"
	"net"
	// ok: go.debug.pprof-endpoint
	"net/http"
	"os"
	"os/exec"

	legacy "crypto/md5"
	"crypto/sha1"
	// ruleid: go.debug.pprof-endpoint
	_ "net/http/pprof"
)

// ruleid: go.credentials.hardcoded
const apiToken = "ghp_16C7e42F292c6912E7710c838347Ae178B4a"

// ruleid: go.credentials.hardcoded
var dbPassword = "s3cr3t-Pa55w0rd"

// ok: go.credentials.hardcoded
const tokenHeader = "X-Auth-Token"

// ruleid: go.credentials.hardcoded
const signingKey = `-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
-----END OPENSSH PRIVATE KEY-----`

// ok: go.credentials.hardcoded
var adminPassword = os.Getenv("ADMIN_PASSWORD")

type Config struct {
	User     string
	Password string
}

func commands(ctx context.Context, host string) {
	// ruleid: go.injection.exec-command-shell
	exec.Command("sh", "-c", "ping -c 1 "+host).Run()
	// ruleid: go.injection.exec-command-shell
	exec.CommandContext(ctx, "/bin/bash", "-c", fmt.Sprintf("dig %s", host)).Run()
	// ok: go.injection.exec-command-shell
	exec.Command("ping", "-c", "1", host).Run()
	// ok: go.injection.exec-command-shell
	exec.Command("sh", "-c", "uptime").Run()
}

func queries(ctx context.Context, db *sql.DB, name string) {
	// ruleid: go.injection.sql-string-format
	rows, _ := db.Query(fmt.Sprintf("SELECT * FROM users WHERE name = '%s'", name))
	// ruleid: go.injection.sql-string-format
	db.ExecContext(ctx, "DELETE FROM users WHERE name = '"+name+"'")
	query := "UPDATE users SET active = false WHERE name = '" + name + "'"
	// ruleid: go.injection.sql-string-format
	db.Exec(query)
	// ok: go.injection.sql-string-format
	db.Query("SELECT * FROM users WHERE name = $1", name)
	// ok: go.injection.sql-string-format
	db.QueryRowContext(ctx, "SELECT count(*) FROM users")
	// ok: go.injection.sql-string-format
	cache.Get(fmt.Sprintf("user:%s", name))
	fmt.Println(rows)
}

func digests(password string, data []byte) string {
	// ruleid: go.crypto.weak-hash
	sum := legacy.Sum([]byte(password))
	// ruleid: go.crypto.weak-hash
	h := sha1.New()
	h.Write(data)
	// ok: go.crypto.weak-hash
	strong := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]) + hex.EncodeToString(strong[:])
}

func ciphers(key []byte) {
	// ruleid: go.crypto.weak-cipher
	des.NewCipher(key)
	// ruleid: go.crypto.weak-cipher
	des.NewTripleDESCipher(key)
	// ruleid: go.crypto.weak-cipher
	rc4.NewCipher(key)
	// ok: go.crypto.weak-cipher
	block, _ := aes.NewCipher(key)
	fmt.Println(block)
}

func generateSessionToken() string {
	letters := "abcdefghijklmnopqrstuvwxyz0123456789"
	out := make([]byte, 32)
	for i := range out {
		// ruleid: go.randomness.insecure-random
		out[i] = letters[rand.Intn(len(letters))]
	}
	return string(out)
}

func retry() {
	// ruleid: go.randomness.insecure-random
	nonce := rand.Int63()
	// ok: go.randomness.insecure-random
	jitter := rand.Intn(100)
	// ok: go.randomness.insecure-random
	salt := make([]byte, 16)
	cryptorand.Read(salt)
	fmt.Println(nonce, jitter, salt)
}

func clients() *http.Client {
	// ruleid: go.tls.insecure-skip-verify
	insecure := &tls.Config{InsecureSkipVerify: true}
	strict := &tls.Config{MinVersion: tls.VersionTLS12}
	// ruleid: go.tls.insecure-skip-verify
	strict.InsecureSkipVerify = true
	// ok: go.tls.insecure-skip-verify
	safe := &tls.Config{InsecureSkipVerify: false, MinVersion: tls.VersionTLS13}
	fmt.Println(insecure, safe)
	return &http.Client{Transport: &http.Transport{TLSClientConfig: strict}}
}

func credentials() Config {
	// ruleid: go.credentials.hardcoded
	secretKey := "9f8e7d6c5b4a39281706"
	// ok: go.credentials.hardcoded
	password := ""
	// ok: go.credentials.hardcoded
	token := "${TOKEN}"
	// ok: go.credentials.hardcoded
	tmplResetPassword := "auth/reset_password"
	fmt.Println(secretKey, password, token, tmplResetPassword)
	// ruleid: go.credentials.hardcoded
	return Config{User: "app", Password: "hunter2!"}
}

func serve() {
	// ruleid: go.network.bind-all-interfaces
	go http.ListenAndServe("0.0.0.0:8080", nil)
	// ok: go.network.bind-all-interfaces
	go http.ListenAndServe("127.0.0.1:8080", nil)
	// ruleid: go.network.bind-all-interfaces
	listener, _ := net.Listen("tcp", "0.0.0.0:9000")
	// ok: go.network.bind-all-interfaces
	server := &http.Server{Addr: ":8443"}
	fmt.Println(listener, server)
}

func main() {
	commands(context.Background(), os.Args[1])
}
