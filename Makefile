# The project's verbs. `make run` and `make test` are the README's two commands.
GO ?= go
BIN := bin/meetingintel

.PHONY: run build test test-go test-node bench fuzz lint clean

run: ## run the server on the embedded SQLite database with demo data
	$(GO) run ./cmd/meetingintel serve --demo

build:
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN) ./cmd/meetingintel

test: e2e/node_modules ## every test: Go (unit, stores on SQLite and a throwaway PostgreSQL, end to end, browser) and the Node clients
	$(GO) vet ./...
	scripts/with-postgres.sh $(GO) test -timeout 30m ./...

e2e/node_modules: e2e/package.json e2e/package-lock.json
	cd e2e && npm ci --no-audit --no-fund
	touch e2e/node_modules

bench: build ## benchmarks; writes docs/benchmarks.md and docs/benchmarks-mcp.md (about 10 minutes)
	$(GO) test -run '^$$' -bench . -benchmem ./transcript/ ./sqlite/ ./auth/ ./oauth/
	$(GO) run ./cmd/mibench -dir bench-out -out docs/benchmarks.md
	$(GO) run ./cmd/mcpbench -corpus bench-out/corpus-10000-300.db -bin $(BIN) -out docs/benchmarks-mcp.md

FUZZTIME ?= 30s
fuzz: ## run every fuzz target for FUZZTIME each
	for f in $$($(GO) test -list '^Fuzz' ./transcript/ | grep ^Fuzz); do \
		$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) ./transcript/ || exit 1; \
	done

lint:
	test -z "$$(gofmt -l .)" || (gofmt -l . && exit 1)
	$(GO) vet ./...

clean:
	rm -rf bin data bench-out
