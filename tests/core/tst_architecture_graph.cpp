// The architecture graph of every preset: layers, directions, residual skips, where the query comes from,
// where the context goes, and the seq2seq bottleneck (core/model/model_conventions.md).
#include "core/formats/error.h"
#include "core/model/architecture_graph.h"
#include "core/model/random_model.h"

#include <QtTest>

#include <set>

using namespace attnviz;

namespace {

ArchitectureGraph graphFor(const std::string& preset, int layers, int n = 5, int T = 4)
{
    ModelConfig c = presetConfig(preset, 8, 6);
    if (layers > 0)
        c.layers = layers;
    return buildArchitectureGraph(preset, c, presetTopology(preset, c), n, T);
}

int countKind(const ArchitectureGraph& g, ArchNodeKind kind)
{
    return static_cast<int>(std::count_if(g.nodes.begin(), g.nodes.end(), [kind](const ArchNode& x) { return x.kind == kind; }));
}

// Edges of `kind` into node `to`.
std::vector<int> sourcesInto(const ArchitectureGraph& g, ArchEdgeKind kind, int to)
{
    std::vector<int> out;
    for (const ArchEdge& e : g.edges)
        if (e.kind == kind && e.to == to)
            out.push_back(e.from);
    return out;
}

} // namespace

class TestArchitectureGraph : public QObject {
    Q_OBJECT
private slots:
    void layerCounts_data()
    {
        QTest::addColumn<QString>("preset");
        QTest::addColumn<int>("layers");
        QTest::addColumn<bool>("bidirectional");
        QTest::newRow("seq2seq") << "seq2seq" << 1 << false;
        QTest::newRow("seq2seq_attention") << "seq2seq_attention" << 1 << false;
        QTest::newRow("bahdanau") << "bahdanau" << 1 << true;
        QTest::newRow("luong") << "luong" << 2 << false;
        QTest::newRow("gnmt") << "gnmt" << 8 << true;
    }
    void layerCounts()
    {
        QFETCH(QString, preset);
        QFETCH(int, layers);
        QFETCH(bool, bidirectional);
        const int n = 5, T = 4;
        const ArchitectureGraph g = graphFor(preset.toStdString(), 0, n, T);
        QCOMPARE(g.layers, layers);
        QCOMPARE(g.topology.bidirectionalBottom, bidirectional);
        QCOMPARE(countKind(g, ArchNodeKind::EncoderCell), (layers + (bidirectional ? 1 : 0)) * n);
        QCOMPARE(countKind(g, ArchNodeKind::DecoderCell), layers * T);
        QCOMPARE(countKind(g, ArchNodeKind::Embedding), n + T);
        QCOMPARE(countKind(g, ArchNodeKind::Output), T);
        // Backward cells exactly in layer 0 of a bidirectional encoder.
        for (const ArchNode& x : g.nodes) {
            if (x.kind != ArchNodeKind::EncoderCell)
                continue;
            if (x.direction == ArchDirection::Backward)
                QVERIFY(bidirectional && x.layer == 0);
            QCOMPARE(x.direction == ArchDirection::None, !(bidirectional && x.layer == 0));
        }
        QCOMPARE(g.encoderCell(0, ArchDirection::Backward, 0) >= 0, bidirectional);
        QCOMPARE(g.encoderCell(0, ArchDirection::None, 0) >= 0, !bidirectional);
        // Every edge's ends exist; recurrent edges stay in one layer and direction.
        for (const ArchEdge& e : g.edges) {
            QVERIFY(e.from >= 0 && e.from < static_cast<int>(g.nodes.size()));
            QVERIFY(e.to >= 0 && e.to < static_cast<int>(g.nodes.size()));
            if (e.kind == ArchEdgeKind::Recurrent) {
                const ArchNode& a = g.nodes[static_cast<std::size_t>(e.from)];
                const ArchNode& b = g.nodes[static_cast<std::size_t>(e.to)];
                QCOMPARE(a.layer, b.layer);
                QVERIFY(a.direction == b.direction);
                QCOMPARE(std::abs(a.position - b.position), 1);
                QCOMPARE(b.position - a.position, a.direction == ArchDirection::Backward ? -1 : 1);
            }
        }
    }

    void residualEdgesGnmt()
    {
        const ArchitectureGraph g = graphFor("gnmt", 4, 3, 2);
        std::set<int> encLayers, decLayers;
        for (const ArchEdge& e : g.edgesOfKind(ArchEdgeKind::Residual)) {
            const ArchNode& to = g.nodes[static_cast<std::size_t>(e.to)];
            const ArchNode& from = g.nodes[static_cast<std::size_t>(e.from)];
            QCOMPARE(from.layer, to.layer - 1);
            QCOMPARE(from.position, to.position);
            (to.kind == ArchNodeKind::EncoderCell ? encLayers : decLayers).insert(to.layer);
        }
        QCOMPARE(encLayers, (std::set<int>{2, 3}));
        QCOMPARE(decLayers, (std::set<int>{2, 3}));
        QCOMPARE(static_cast<int>(g.edgesOfKind(ArchEdgeKind::Residual).size()), 2 * 3 + 2 * 2);
        // 8-layer default: layers 2..7.
        const ArchitectureGraph g8 = graphFor("gnmt", 0, 2, 1);
        QCOMPARE(static_cast<int>(g8.edgesOfKind(ArchEdgeKind::Residual).size()), 6 * 2 + 6 * 1);
        for (const char* p : {"seq2seq", "seq2seq_attention", "bahdanau", "luong"})
            QVERIFY(graphFor(p, 4).edgesOfKind(ArchEdgeKind::Residual).empty());
    }

    void querySource()
    {
        const int T = 4;
        for (int i = 1; i < T; ++i) {
            ArchitectureGraph g = graphFor("bahdanau", 0, 5, T);
            QCOMPARE(sourcesInto(g, ArchEdgeKind::Query, g.find(ArchNodeKind::Attention, ArchSide::Decoder, i)),
                     std::vector<int>{g.decoderCell(0, i - 1)});
            g = graphFor("luong", 0, 5, T);
            QCOMPARE(sourcesInto(g, ArchEdgeKind::Query, g.find(ArchNodeKind::Attention, ArchSide::Decoder, i)),
                     std::vector<int>{g.decoderCell(1, i)});
            g = graphFor("seq2seq_attention", 0, 5, T);
            QCOMPARE(sourcesInto(g, ArchEdgeKind::Query, g.find(ArchNodeKind::Attention, ArchSide::Decoder, i)),
                     std::vector<int>{g.decoderCell(0, i)});
            g = graphFor("gnmt", 0, 5, T);
            QCOMPARE(sourcesInto(g, ArchEdgeKind::Query, g.find(ArchNodeKind::Attention, ArchSide::Decoder, i)),
                     std::vector<int>{g.decoderCell(0, i - 1)});
            // gnmt: previous BOTTOM, not previous top
            QVERIFY(g.decoderCell(0, i - 1) != g.decoderCell(7, i - 1));
        }
        // step 1: bahdanau queries with s_0 from the bridge; gnmt with a zero vector (no edge)
        ArchitectureGraph g = graphFor("bahdanau", 0, 5, T);
        QCOMPARE(sourcesInto(g, ArchEdgeKind::Query, g.find(ArchNodeKind::Attention, ArchSide::Decoder, 0)), std::vector<int>{g.bridge()});
        g = graphFor("gnmt", 0, 5, T);
        QVERIFY(sourcesInto(g, ArchEdgeKind::Query, g.find(ArchNodeKind::Attention, ArchSide::Decoder, 0)).empty());
    }

    void contextTargets()
    {
        const int T = 3;
        auto targets = [](const ArchitectureGraph& g, int i) {
            std::set<std::pair<int, int>> out;  // (kind, layer)
            const int ctx = g.find(ArchNodeKind::Context, ArchSide::Decoder, i);
            for (const ArchEdge& e : g.edgesOfKind(ArchEdgeKind::Context))
                if (e.from == ctx) {
                    const ArchNode& x = g.nodes[static_cast<std::size_t>(e.to)];
                    out.insert({static_cast<int>(x.kind), x.layer});
                }
            return out;
        };
        const int dec = static_cast<int>(ArchNodeKind::DecoderCell), out = static_cast<int>(ArchNodeKind::Output),
                  hs = static_cast<int>(ArchNodeKind::AttentionalState);
        for (int i = 0; i < T; ++i) {
            QCOMPARE(targets(graphFor("seq2seq_attention", 0, 4, T), i), (std::set<std::pair<int, int>>{{out, -1}}));
            QCOMPARE(targets(graphFor("bahdanau", 0, 4, T), i), (std::set<std::pair<int, int>>{{dec, 0}, {out, -1}}));
            QCOMPARE(targets(graphFor("luong", 0, 4, T), i), (std::set<std::pair<int, int>>{{hs, -1}}));
            std::set<std::pair<int, int>> every;
            for (int k = 0; k < 8; ++k)
                every.insert({dec, k});
            QCOMPARE(targets(graphFor("gnmt", 0, 4, T), i), every);
        }
        // luong input feeding: h̃_{i-1} into decoder layer 0 at step i
        const ArchitectureGraph g = graphFor("luong", 0, 4, T);
        QCOMPARE(static_cast<int>(g.edgesOfKind(ArchEdgeKind::InputFeed).size()), T - 1);
        QCOMPARE(countKind(g, ArchNodeKind::AttentionalState), T);
        QCOMPARE(countKind(graphFor("bahdanau", 0, 4, T), ArchNodeKind::AttentionalState), 0);
    }

    void seq2seqBottleneck()
    {
        const int n = 6;
        const ArchitectureGraph g = graphFor("seq2seq", 0, n, 4);
        QVERIFY(!g.hasAttention());
        QVERIFY(g.edgesOfKind(ArchEdgeKind::Attention).empty());
        QVERIFY(g.edgesOfKind(ArchEdgeKind::Query).empty());
        QVERIFY(g.edgesOfKind(ArchEdgeKind::Context).empty());
        QCOMPARE(countKind(g, ArchNodeKind::Attention), 0);
        const auto init = g.edgesOfKind(ArchEdgeKind::Init);
        QCOMPARE(static_cast<int>(init.size()), 1);
        QCOMPARE(init[0].from, g.encoderCell(0, ArchDirection::None, n - 1));
        QCOMPARE(init[0].to, g.decoderCell(0, 0));
        // Nothing else leaves the encoder for the decoder.
        for (const ArchEdge& e : g.edges) {
            const ArchNode& a = g.nodes[static_cast<std::size_t>(e.from)];
            const ArchNode& b = g.nodes[static_cast<std::size_t>(e.to)];
            if (a.side == ArchSide::Encoder && b.side != ArchSide::Encoder)
                QVERIFY(e.kind == ArchEdgeKind::Init && e.from == init[0].from);
        }
    }

    void attentionAndInit()
    {
        const int n = 5, T = 3;
        // attention edges: every top-layer key to every step's attention node
        ArchitectureGraph g = graphFor("luong", 0, n, T);
        QCOMPARE(static_cast<int>(g.edgesOfKind(ArchEdgeKind::Attention).size()), n * T);
        for (const ArchEdge& e : g.edgesOfKind(ArchEdgeKind::Attention))
            QCOMPARE(g.nodes[static_cast<std::size_t>(e.from)].layer, 1);
        QCOMPARE(static_cast<int>(g.edgesOfKind(ArchEdgeKind::Init).size()), 2);  // per layer
        g = graphFor("bahdanau", 0, n, T);  // 1 bidirectional layer: both directions are keys
        QCOMPARE(static_cast<int>(g.edgesOfKind(ArchEdgeKind::Attention).size()), 2 * n * T);
        const auto init = g.edgesOfKind(ArchEdgeKind::Init);
        QCOMPARE(static_cast<int>(init.size()), 2);
        QCOMPARE(init[0].from, g.encoderCell(0, ArchDirection::Backward, 0));  // ←h_1
        QCOMPARE(init[0].to, g.bridge());
        QCOMPARE(init[1].to, g.decoderCell(0, 0));
        g = graphFor("gnmt", 0, n, T);  // zero init, keys from the top (unidirectional) layer
        QVERIFY(g.edgesOfKind(ArchEdgeKind::Init).empty());
        QCOMPARE(static_cast<int>(g.edgesOfKind(ArchEdgeKind::Attention).size()), n * T);
        QCOMPARE(g.keyCells(0), std::vector<int>{g.encoderCell(7, ArchDirection::None, 0)});
    }

    void fromModelAndErrors()
    {
        RandomModelOptions o;
        o.layers = 3;
        const Model m = randomModel("gnmt", o, 3);
        const ArchitectureGraph g = buildArchitectureGraph(m, 4, 2);
        QCOMPARE(g.layers, 3);
        QCOMPARE(g.cell, std::string("lstm"));
        QCOMPARE(g.score, std::string("additive"));
        QCOMPARE(static_cast<int>(g.edgesOfKind(ArchEdgeKind::Residual).size()), 4 + 2);
        QVERIFY_THROWS_EXCEPTION(ShapeError, buildArchitectureGraph(m, 0, 2));
        QVERIFY_THROWS_EXCEPTION(ShapeError, buildArchitectureGraph(m, 3, -1));
        // T = 0: an encoder alone
        QCOMPARE(countKind(buildArchitectureGraph(m, 3, 0), ArchNodeKind::DecoderCell), 0);
    }

    // The transformer (issue 16): the block diagram of nn.Transformer, one node per sublayer of every layer.
    void transformerStacks_data()
    {
        QTest::addColumn<int>("encoderLayers");
        QTest::addColumn<int>("decoderLayers");
        QTest::newRow("2 + 2") << 2 << 2;
        QTest::newRow("1 + 3") << 1 << 3;
        QTest::newRow("6 + 6") << 6 << 6;
    }
    void transformerStacks()
    {
        QFETCH(int, encoderLayers);
        QFETCH(int, decoderLayers);
        ModelConfig c = presetConfig("transformer", 32, 32);
        c.heads = 4;
        c.encoderLayers = encoderLayers;
        c.decoderLayers = c.layers = decoderLayers;
        c.ffSize = 64;
        const ArchitectureGraph g = buildArchitectureGraph("transformer", c, presetTopology("transformer", c), 5, 4);
        QVERIFY(g.transformer());
        QCOMPARE(g.dModel, 32);
        QCOMPARE(g.heads, 4);
        QCOMPARE(g.ffSize, 64);
        QCOMPARE(g.encoderLayers, encoderLayers);
        QCOMPARE(g.decoderLayers, decoderLayers);
        using K = ArchNodeKind;
        QCOMPARE(countKind(g, K::SelfAttention), encoderLayers);
        QCOMPARE(countKind(g, K::MaskedSelfAttention), decoderLayers);
        QCOMPARE(countKind(g, K::CrossAttention), decoderLayers);
        QCOMPARE(countKind(g, K::FeedForwardBlock), encoderLayers + decoderLayers);
        QCOMPARE(countKind(g, K::AddNorm), 2 * encoderLayers + 3 * decoderLayers);
        QCOMPARE(countKind(g, K::Embedding), 2);
        QCOMPARE(countKind(g, K::PositionalEncoding), 2);
        QCOMPARE(countKind(g, K::FinalNorm), 2);
        QCOMPARE(countKind(g, K::Linear), 1);
        QCOMPARE(countKind(g, K::Output), 1);
        QCOMPARE(countKind(g, K::EncoderCell) + countKind(g, K::DecoderCell) + countKind(g, K::Attention), 0);
        QCOMPARE(static_cast<int>(g.nodes.size()), 4 * encoderLayers + 6 * decoderLayers + 8);  // + 2 embeddings, 2 PE, 2 final norms, linear, softmax
        // every sublayer has its residual into the Add & Norm that closes it
        QCOMPARE(static_cast<int>(g.edgesOfKind(ArchEdgeKind::Residual).size()), 2 * encoderLayers + 3 * decoderLayers);
        for (const ArchEdge& e : g.edgesOfKind(ArchEdgeKind::Residual)) {
            const ArchNode& to = g.nodes[static_cast<std::size_t>(e.to)];
            QCOMPARE(to.kind, K::AddNorm);
            // the residual's source feeds the sublayer the Add & Norm closes
            const int sub = to.sublayer - 1;  // the sublayer it closes
            const std::vector<int> into = sourcesInto(g, ArchEdgeKind::FeedForward, [&] {
                for (std::size_t k = 0; k < g.nodes.size(); ++k)
                    if (g.nodes[k].side == to.side && g.nodes[k].layer == to.layer && g.nodes[k].sublayer == sub)
                        return static_cast<int>(k);
                return -1;
            }());
            QCOMPARE(into, std::vector<int>{e.from});
        }
        // the encoder's final norm (m) reaches every decoder layer's cross-attention and nothing else
        const int memory = g.transformerNode(K::FinalNorm, ArchSide::Encoder, -1);
        QVERIFY(memory >= 0);
        const std::vector<ArchEdge> mem = g.edgesOfKind(ArchEdgeKind::Memory);
        QCOMPARE(static_cast<int>(mem.size()), decoderLayers);
        for (int k = 0; k < decoderLayers; ++k) {
            const int cross = g.transformerNode(K::CrossAttention, ArchSide::Decoder, k);
            QVERIFY(cross >= 0);
            QCOMPARE(sourcesInto(g, ArchEdgeKind::Memory, cross), std::vector<int>{memory});
            // the query comes from the Add & Norm after the masked self-attention of the same layer
            QCOMPARE(sourcesInto(g, ArchEdgeKind::FeedForward, cross), std::vector<int>{g.transformerNode(K::AddNorm, ArchSide::Decoder, k, 1)});
        }
        // layer order: the bottom decoder layer starts from the decoder's positional encoding, the top one ends in
        // the final norm → linear → softmax, whose token feeds back into the target embedding
        QCOMPARE(sourcesInto(g, ArchEdgeKind::FeedForward, g.transformerNode(K::MaskedSelfAttention, ArchSide::Decoder, 0)),
                 std::vector<int>{g.transformerNode(K::PositionalEncoding, ArchSide::Decoder, -1)});
        QCOMPARE(sourcesInto(g, ArchEdgeKind::FeedForward, g.transformerNode(K::FinalNorm, ArchSide::Decoder, -1)),
                 std::vector<int>{g.transformerNode(K::AddNorm, ArchSide::Decoder, decoderLayers - 1, 5)});
        QCOMPARE(sourcesInto(g, ArchEdgeKind::FeedForward, memory),
                 std::vector<int>{g.transformerNode(K::AddNorm, ArchSide::Encoder, encoderLayers - 1, 3)});
        const std::vector<ArchEdge> back = g.edgesOfKind(ArchEdgeKind::TokenFeedback);
        QCOMPARE(static_cast<int>(back.size()), 1);
        QCOMPARE(back[0].from, g.transformerNode(K::Output, ArchSide::Decoder, -1));
        QCOMPARE(back[0].to, g.transformerNode(K::Embedding, ArchSide::Decoder, -1));
        // the recurrent lookups find nothing (and do not read past their tables)
        QCOMPARE(g.encoderCell(0, ArchDirection::None, 0), -1);
        QCOMPARE(g.decoderCell(0, 0), -1);
    }

    void transformerFromModel()
    {
        RandomModelOptions o;
        o.hidden = 16;
        o.sourceVocab = 23;
        o.targetVocab = 19;
        const Model m = randomModel("transformer", o, 5);
        const ArchitectureGraph g = buildArchitectureGraph(m, 6, 3);
        QVERIFY(g.transformer());
        QCOMPARE(g.dModel, m.config.hiddenSize);
        QCOMPARE(g.heads, m.config.heads);
        QCOMPARE(g.encoderLayers, m.config.encoderLayers);
        QCOMPARE(g.decoderLayers, m.config.decoderLayers);
        QCOMPARE(g.ffSize, static_cast<int>(m.weights.transformer.encoderLayers.front().ff.linear1Weight.rows()));
        QCOMPARE(g.sourceVocab, 23);
        QCOMPARE(g.targetVocab, 19);
        QCOMPARE(g.sourceLength, 6);
        QCOMPARE(g.targetLength, 3);
        QVERIFY_THROWS_EXCEPTION(ShapeError, buildArchitectureGraph(m, 0, 3));
        ModelConfig bad = m.config;
        bad.heads = 0;
        QVERIFY_THROWS_EXCEPTION(ShapeError, buildArchitectureGraph("transformer", bad, m.topology, 3, 3));
    }
};

QTEST_GUILESS_MAIN(TestArchitectureGraph)
#include "tst_architecture_graph.moc"
