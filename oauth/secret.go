package oauth

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// SecretFileSuffix names the file, beside the SQLite database, that keeps
// a locally generated JWT secret.
const SecretFileSuffix = ".jwt-secret"

// LoadSecret returns the secret that signs access tokens (DESIGN §3):
// JWT_SECRET when set (at least MinSecretLen bytes, else an error naming
// JWT_SECRET). When it is unset, a deployed instance (instance != "") is
// an error; locally, 32 random bytes are generated once into dbPath +
// SecretFileSuffix (mode 0600) and reused, so tokens survive a restart.
func LoadSecret(envValue, instance, dbPath string) ([]byte, error) {
	if envValue != "" {
		if len(envValue) < MinSecretLen {
			return nil, fmt.Errorf("JWT_SECRET: must be at least %d bytes (generate one with: openssl rand -base64 48)", MinSecretLen)
		}
		return []byte(envValue), nil
	}
	if instance != "" {
		return nil, fmt.Errorf("JWT_SECRET: required on the %s instance when OAuth is enabled (at least %d bytes)", instance, MinSecretLen)
	}
	if dbPath == "" {
		return nil, errors.New("JWT_SECRET: required when the database is not a local SQLite file")
	}
	path := dbPath + SecretFileSuffix
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return createSecret(path)
	} else if err != nil {
		return nil, fmt.Errorf("JWT_SECRET: reading the local secret file: %w", err)
	}
	b = bytes.TrimSpace(b)
	if len(b) < MinSecretLen {
		return nil, fmt.Errorf("JWT_SECRET: the local secret file %s is shorter than %d bytes; delete it to make a new one", filepath.Base(path), MinSecretLen)
	}
	return b, nil
}

// createSecret writes a new random secret to path, failing rather than
// overwriting if another process made one first (then that one is used).
func createSecret(path string) ([]byte, error) {
	secret := []byte(randomString(32)) // 43 characters of base64url
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return LoadSecret("", "", path[:len(path)-len(SecretFileSuffix)])
	} else if err != nil {
		return nil, fmt.Errorf("JWT_SECRET: creating the local secret file: %w", err)
	}
	if _, err := f.Write(append(secret, '\n')); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("JWT_SECRET: writing the local secret file: %w", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("JWT_SECRET: writing the local secret file: %w", err)
	}
	return secret, nil
}
