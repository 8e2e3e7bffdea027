# The front door: make dataset, make test, make validate, make eval, make schemas.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: dataset test validate eval schemas bench clean help

help:
	@echo "make dataset   build the dataset from corpus/ into output/ (sets up .venv first)"
	@echo "make test      run the test suite, with the accuracy gate on the gold annotations"
	@echo "make test-faults  kill, crowd, fill and poison the output folder; print the figures"
	@echo "make validate  check output/ against the spec"
	@echo "make eval      score output/ against tests/gold"
	@echo "make schemas   regenerate schemas/ from the row models"
	@echo "make review    the review site of the embedded corpus (output/review/index.html)"
	@echo "make test-browser-scale  the review site of 10 000 documents (2 000 synthetic ones replicated) in headless Chromium"
	@echo "make explore   the embedded corpus in Datasette (SQLite with full-text search) on 127.0.0.1:8001"
	@echo "make bench     speed and memory on a synthetic corpus (N=20000 documents by default)"
	@echo "make bench-core   the real notices repeated (CORE_N=10000), validation included; BASELINE=<commit> beside"
	@echo "make bench-memory  peak memory at N/10 and N documents (MEMORY_N=100000 by default)"
	@echo "make bench-warc    a 1 GB WARC.gz streamed: records/s and peak memory (WARC_MB, WARC_PAGES)"

# A virtualenv with the pinned dependencies (requirements.lock pins every transitive package too).
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'
	touch $(STAMP)

dataset: $(STAMP)
	$(BIN)/zhenggai run corpus --out output

test: $(STAMP)
	$(BIN)/python -m pytest -q

# Faults the output folder must survive, with more kills than make test runs: a rebuild killed at
# FAULT_KILLS instants, two runs at once, a full disk (a small tmpfs when mounting is allowed),
# corrupt and hostile cache entries. The figures are printed.
FAULT_KILLS ?= 60
.PHONY: test-faults
test-faults: $(STAMP)
	ZHENGGAI_FAULT_KILLS=$(FAULT_KILLS) $(BIN)/python -m pytest -q -s tests/test_fault_injection.py tests/test_faults.py

validate: $(STAMP)
	$(BIN)/zhenggai validate output

eval: $(STAMP) dataset
	$(BIN)/zhenggai eval --gold tests/gold --pred output --baseline tests/eval_baseline.json

schemas: $(STAMP)
	$(BIN)/zhenggai schemas --out schemas

# The review site of the embedded corpus: open output/review/index.html from disk.
.PHONY: review
review: dataset
	$(BIN)/zhenggai review output --out output/review

# Explore the embedded corpus in Datasette: the SQLite export (full-text search, facets) with the
# review site served beside it at /review/, on http://127.0.0.1:$(EXPLORE_PORT)/ (Ctrl-C stops it).
EXPLORE_PORT ?= 8001
.PHONY: explore
explore: review
	$(BIN)/zhenggai export output --format sqlite --out output/sqlite
	$(BIN)/datasette serve output/sqlite/zhenggai.db --metadata output/sqlite/metadata.json \
	  --static review:output/review --host 127.0.0.1 --port $(EXPLORE_PORT)

# The review site in headless Chromium (Debian's chromium and chromedriver, installed when missing),
# and the corpus printed to PDF by it read back like the text.
.PHONY: test-browser
test-browser: $(STAMP)
	command -v chromium >/dev/null && command -v chromedriver >/dev/null && fc-list :lang=zh | grep -q . || \
	  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver fonts-wqy-zenhei; }
	ZHENGGAI_REQUIRE_BROWSER=1 $(BIN)/python -m pytest -q -s tests/test_browser.py tests/test_datasette.py
	ZHENGGAI_REQUIRE_BROWSER=1 $(BIN)/python -m pytest -q tests/test_variants.py -k pdf

# The review site of a large collection (SCALE_N documents, 10 000 by default) in headless
# Chromium: index load and filter times are printed, the data and site sizes checked, the charts
# screenshot (output/scale-N/shots/) and checked for overlapping labels. SCALE_SEED_N synthetic
# notices are extracted (zhenggai synth, zhenggai run) and their rows replicated to SCALE_N
# documents under new ids (benchmarks/replicate.py: a replication, not an extraction). The seed's
# corpus and rows are kept in output/, so a rerun extracts nothing again.
SCALE_N ?= 10000
SCALE_SEED_N ?= 2000
.PHONY: test-browser-scale
test-browser-scale: $(STAMP)
	test -d output/scale-seed-$(SCALE_SEED_N)/corpus || $(BIN)/zhenggai synth --n $(SCALE_SEED_N) --out output/scale-seed-$(SCALE_SEED_N)/corpus
	$(BIN)/zhenggai run output/scale-seed-$(SCALE_SEED_N)/corpus --out output/scale-seed-$(SCALE_SEED_N)/dataset --quiet --no-validate
	$(BIN)/python benchmarks/replicate.py output/scale-seed-$(SCALE_SEED_N)/dataset --documents $(SCALE_N) --out output/scale-$(SCALE_N)/dataset
	ZHENGGAI_REQUIRE_BROWSER=1 ZHENGGAI_SCALE_DATASET=output/scale-$(SCALE_N)/dataset ZHENGGAI_SCALE_SHOTS=output/scale-$(SCALE_N)/shots \
	  $(BIN)/python -m pytest -q -s tests/test_browser_scale.py

# The R loading snippet of the dataset README, run for real (R and jsonlite from Debian, installed
# when missing; R's arrow package is not packaged for Debian, so its snippet runs only where it is installed).
.PHONY: test-r
test-r: $(STAMP)
	command -v Rscript >/dev/null && Rscript -e 'library(jsonlite)' >/dev/null 2>&1 || \
	  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends r-base-core r-cran-jsonlite; }
	ZHENGGAI_REQUIRE_R=jsonlite $(BIN)/python -m pytest -q tests/test_describe.py -k r_snippets

N ?= 20000
bench: $(STAMP)
	$(BIN)/zhenggai bench --n $(N) --work output/bench --report output/bench.json

# End to end on the real notices repeated to CORE_N documents, validation included, documents per
# CPU-second; BASELINE="<commit> …" measures those commits beside this checkout in the same run, and
# CORE_SIZES=10000,100000 gives peak memory at each size instead.
CORE_N ?= 10000
.PHONY: bench-core
bench-core: $(STAMP)
	$(BIN)/python benchmarks/core_speed.py --n $(CORE_N) $(foreach b,$(BASELINE),--baseline $(b)) $(if $(CORE_SIZES),--sizes $(CORE_SIZES))

# Peak memory only, at a national scale: N/10 and N documents with --jobs 2.
MEMORY_N ?= 100000
.PHONY: bench-memory
bench-memory: $(STAMP)
	$(BIN)/zhenggai bench --memory-only --n $(MEMORY_N) --work output/bench-memory --report output/bench-memory.json

# Hostile input and HTML: the property tests run far longer, time against input size per stage,
# and the measurement behind the choice of the HTML main-text extractor.
.PHONY: fuzz bench-linear bench-html bench-warc bench-inputs
FUZZ_EXAMPLES ?= 20000
fuzz: $(STAMP)
	ZHENGGAI_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -q -p no:cacheprovider tests/test_fuzz.py

bench-linear: $(STAMP)
	$(BIN)/python benchmarks/linear_time.py --max-mb 10

bench-html: $(STAMP)
	$(BIN)/python benchmarks/html_extractors.py

# The measurement behind the PDF and WARC libraries (other candidates are scored when installed).
bench-inputs: $(STAMP)
	$(BIN)/python benchmarks/input_libraries.py

# A WARC.gz of WARC_MB megabytes through the reader, and builds of WARC_PAGES and 3 × WARC_PAGES pages:
# records/s and the peak memory of the build, which must not grow with the file.
WARC_MB ?= 1024
WARC_PAGES ?= 300
bench-warc: $(STAMP)
	$(BIN)/python benchmarks/warc_stream.py --mb $(WARC_MB) --pages $(WARC_PAGES)

# A build's files in output/ are links into its generation (README: "Inputs and the output folder").
clean:
	find output -maxdepth 1 -type l -delete
	rm -rf output/*.parquet output/*.jsonl output/manifest.json output/.generation-* output/.staging-*
