# The project's verbs. `make run` and `make test` are the README's two commands.
GO ?= go
SHELL := bash
.SHELLFLAGS := -o pipefail -c
# Every suite runs unless skipped on purpose with MI_SKIP_NODE, MI_SKIP_POSTGRES
# or MI_SKIP_BROWSER; then the skips are listed but allowed.
TESTREPORT_FLAGS ?= $(if $(MI_SKIP_NODE)$(MI_SKIP_POSTGRES)$(MI_SKIP_BROWSER),,-no-skips)
BIN := bin/meetingintel

.PHONY: run build test bench fuzz lint clean screenshots

run: ## run the server on the embedded SQLite database with demo data
	$(GO) run ./cmd/meetingintel serve --demo

build:
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN) ./cmd/meetingintel

test: e2e/node_modules ## every test: Go (unit, stores on SQLite and a throwaway PostgreSQL, end to end, browser) and the Node clients
	$(GO) vet ./...
	@# testreport prints what go test prints, then every skipped test and why,
	@# so a skip is never silent; a skip nobody asked for (MI_SKIP_*) fails.
	MI_QMSUM=$(if $(wildcard $(QMSUM)/val/*.json),$(abspath $(QMSUM)),) scripts/with-postgres.sh $(GO) test -race -timeout 30m -json ./... 2>&1 | $(GO) run ./internal/testreport $(TESTREPORT_FLAGS)

e2e/node_modules: e2e/package.json e2e/package-lock.json
	cd e2e && npm ci --no-audit --no-fund
	touch e2e/node_modules

QMSUM ?= ../shared/qmsum
bench: build ## benchmarks; writes docs/benchmarks.md, docs/benchmarks-postgres.md, docs/benchmarks-search.md, docs/benchmarks-mcp.md and docs/benchmarks-web.md (about 20 minutes)
	$(GO) run ./cmd/qmsumbench -data $(QMSUM) -out docs/benchmarks-search.md
	$(GO) test -run '^$$' -bench . -benchmem ./transcript/ ./sqlite/ ./auth/ ./oauth/ ./ratelimit/
	scripts/with-postgres.sh $(GO) test -run '^$$' -bench . -benchmem ./postgres/
	$(GO) run ./cmd/mibench -dir bench-out -out docs/benchmarks.md
	scripts/with-postgres.sh sh -c '$(GO) run ./cmd/mibench -postgres "$$MI_TEST_POSTGRES_URL" -out docs/benchmarks-postgres.md'
	scripts/with-postgres.sh $(GO) run ./cmd/mcpbench -corpus bench-out/corpus-10000-300.db -bin $(BIN) -postgres env -out docs/benchmarks-mcp.md
	$(GO) run ./cmd/webbench -corpus bench-out/corpus-10000-300.db -out docs/benchmarks-web.md

FUZZTIME ?= 30s
fuzz: ## run every fuzz target for FUZZTIME each
	for f in $$($(GO) test -list '^Fuzz' ./transcript/ | grep ^Fuzz); do \
		$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) ./transcript/ || exit 1; \
	done

screenshots: ## the browser tests, saving every page at desktop and phone widths into docs/screenshots
	MI_SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test -run TestBrowser -count=1 ./web/

lint:
	test -z "$$(gofmt -l .)" || (gofmt -l . && exit 1)
	$(GO) vet ./...

clean:
	rm -rf bin data bench-out
