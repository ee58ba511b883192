// Every zoo binding exercised from Lua (checked by call counts), with values asserted in the script.
import Foundation
import MiniLM
import XCTest
import ZooCore
@testable import ZooLua

/// A minimal compiled model (y = W·x) for exercising the compiled-model bindings from Lua.
final class TinySwiftModel: ZooModel {
    let net = try! Linear(3, 2)
    lazy var opt = Adam(net.parameters(), lr: 0.1)
    var networks: [(String, Module)] { [("net", net)] }
    var optimizers: [(String, Adam)] { [("opt", opt)] }
    var imageSizes: [Int] { [4] }
    func trainStep(_ batch: [String: Tensor]) throws -> [(String, Float)] {
        guard let x = batch["x"] else { throw ZooError.invalidArgument(op: "tiny", message: "no x") }
        opt.zeroGrad()
        let loss = try (net(Variable(x)) * net(Variable(x))).mean()
        try loss.backward()
        try opt.step()
        return [("loss", loss.value.item)]
    }
    func sample(_ request: SampleRequest) throws -> [(String, Tensor)] {
        var g = RandomGenerator(seed: request.seed)
        return [("img4", try Tensor.randn([request.n, 3, 4, 4], generator: &g))]
    }
    func stateTensors() -> [(String, Tensor)] { [("extra.scale", try! Tensor(shape: [1], repeating: 2))] }
    func loadStateTensors(_ tensors: [String: Tensor]) throws {}

    static func register() {
        ModelRegistry.shared.register(name: "tiny-swift", summary: "a test model", schema: [ConfigField("arch.width", .integer, 3, "unused")]) { _ in
            TinySwiftModel()
        }
    }
}

final class BindingsTests: XCTestCase {
    func testEveryBindingFromLua() throws {
        if TextEncoderRegistry.shared.entries.isEmpty { MiniLMPlugin.register(into: .shared) }
        TinySwiftModel.register()
        let lua = try makeLua()
        let dir = try temporaryFolder(self)
        let npy = ZooModule.luaQuote(repositoryRoot + "/Tests/Fixtures/npy/f32_2x3x4.npy")
        try lua.run("""
            local zoo = require "zoo"
            local nn = zoo.nn
            local dir = \(ZooModule.luaQuote(dir))
            local function close(a, b, tol) return math.abs(a - b) <= (tol or 1e-5) end

            -- construction and inspection
            zoo.seed(1)
            local t = zoo.tensor({{1, 2, 3}, {4, 5, 6}}, {requires_grad = true})
            assert(t:dim() == 2 and t:numel() == 6 and #t == 2 and t:size(2) == 3 and t:size()[1] == 2)
            assert(t:shape()[2] == 3 and t:get(2, 3) == 6 and t.requires_grad)
            local z = zoo.zeros(2, 3); z:set(7, 1, 2); assert(z:get(1, 2) == 7 and z:values()[2] == 7)
            assert(zoo.ones({2}):sum():item() == 2 and zoo.full({2, 2}, 3):mean():item() == 3)
            assert(zoo.randn(4, 5):numel() == 20 and zoo.rand(3):numel() == 3)
            assert(tostring(t):find("tensor%[2, 3%]"))
            assert(zoo.is_tensor(t) and not zoo.is_tensor({}))

            -- arithmetic, with numbers on either side
            local u = (2 * t + 1 - t / 2) ^ 2
            assert(close(u:get(1, 1), 6.25))
            assert(close((1 - t):get(1, 1), 0) and close((-t):get(2, 1), -4))
            assert(close(t:exp():get(1, 1), math.exp(1)) and close(t:log():get(1, 2), math.log(2)))
            assert(close(t:sqrt():get(2, 1), 2) and close(t:pow(3):get(1, 2), 8))
            assert(t:relu():get(1, 1) == 1 and close((t - 3):leaky_relu(0.2):get(1, 1), -0.4))
            assert(close(t:sigmoid():get(1, 1), 1 / (1 + math.exp(-1))) and close(t:tanh():get(1, 1), math.tanh(1)))
            assert(zoo.tensor({{1, 2, 3, 4}}):glu():numel() == 2)

            -- linear algebra and convolution
            local w = zoo.tensor({{1, 0, 0}, {0, 1, 0}})
            assert(t:matmul(w:transpose()):get(2, 2) == 5)
            assert(zoo.ones(2, 3, 4):bmm(zoo.ones(2, 4, 5)):get(1, 1, 1) == 4)
            assert(t:linear(w, zoo.tensor({10, 20})):get(1, 2) == 22)
            local img = zoo.ones(1, 2, 4, 4)
            local y = img:conv2d(zoo.ones(3, 2, 3, 3), zoo.zeros(3), {stride = 1, padding = 1})
            assert(y:size(2) == 3 and y:get(1, 1, 2, 2) == 18 and y:get(1, 1, 1, 1) == 8)
            assert(img:upsample({scale = 2}):size(4) == 8 and zoo.ones(2, 3):replicate(4, 5):size(4) == 5)
            assert(t:reshape(3, 2):size(1) == 3 and t:view({6}):numel() == 6)
            assert(t:slice(2, 2, 2):get(1, 1) == 2)
            local parts = t:split({1, 2}, 2)
            assert(#parts == 2 and parts[2]:get(2, 2) == 6)
            assert(zoo.cat({t, t}, 1):size(1) == 4)
            assert(t:sum(2):get(2) == 15 and t:mean({1, 2}, true):size(1) == 1 and t:sum():item() == 21)

            -- autograd
            local loss = (t * t):sum()
            loss:backward()
            assert(t.grad:get(2, 3) == 12)
            t:zero_grad(); assert(t.grad == nil)
            local d = t:detach(); assert(not d.requires_grad)
            local c = t:clone(); c:set(0, 1, 1); assert(t:get(1, 1) == 1)
            local g = zoo.no_grad(function() return t * 2 end); assert(not g.requires_grad)
            local leaf = zoo.zeros(2); leaf.requires_grad = true; assert(leaf.requires_grad)
            local v = zoo.tensor({1, 2}, {requires_grad = true})
            local out = v * 3
            out:backward(zoo.tensor({1, 1}))
            assert(v.grad:get(1) == 3)
            local kept = (v * v):sum()
            kept:backward(nil, true); kept:backward()   -- retained once, then freed
            assert(v.grad:get(2) == 3 + 8)
            assert(not pcall(kept.backward, kept))

            -- losses
            local p = zoo.tensor({0.5, 0.5})
            assert(close(nn.bce(p, 1):item(), math.log(2)) and close(nn.bce_with_logits(zoo.zeros(2), zoo.ones(2)):item(), math.log(2)))
            assert(nn.mse(zoo.ones(2), zoo.zeros(2)):item() == 1 and close(nn.kl(zoo.zeros(2, 2), zoo.zeros(2, 2)):item(), 0))
            local mu, cov = nn.colour_statistics(zoo.ones(1, 3, 2, 2))
            assert(mu:size(2) == 3 and cov:size(3) == 3)

            -- text-encoder ops and layers (token ids are the values 0..vocab-1, as the tokenizer gives them)
            local sc = zoo.tensor({{1, 2, 3}, {1, 1, 1}})
            local probs = sc:softmax()
            assert(close(probs:get(2, 1), 1 / 3) and close(probs:sum(2):get(1), 1))
            local masked = sc:softmax(zoo.tensor({{1, 1, 0}, {0, 1, 1}}))
            assert(masked:get(1, 3) == 0 and close(masked:get(1, 2), 1 / (1 + math.exp(-1))) and close(masked:get(2, 2), 0.5))
            assert(not pcall(sc.softmax, sc, zoo.tensor({{0, 0, 0}, {1, 1, 1}})))
            assert(close(zoo.tensor({1, -1}):gelu():get(1), 0.8413447460685429) and close(zoo.tensor({-1}):gelu():item(), -0.15865525393145707))
            local normed = sc:layer_norm(zoo.ones(3), zoo.zeros(3), {eps = 1e-12})
            assert(close(normed:get(1, 1), -math.sqrt(1.5)) and normed:get(2, 2) == 0)
            local x4 = zoo.randn(2, 3, 4, 5)
            assert(x4:permute(1, 3, 2, 4):get(2, 4, 3, 5) == x4:get(2, 3, 4, 5) and x4:permute({-1, 1, 3, 2}):size(1) == 5)
            assert(not pcall(x4.permute, x4, 1, 1, 2, 3) and not pcall(x4.permute, x4, 1, 2, 3, 5))
            local enc = nn.Sequential(nn.Embedding(10, 4), nn.LayerNorm(4, {eps = 1e-12}), nn.Linear(4, 8), nn.GELU())
            local hidden = enc(zoo.tensor({{0, 9, 3}}))
            assert(hidden:size(1) == 1 and hidden:size(2) == 3 and hidden:size(3) == 8 and enc:num_parameters() == 40 + 8 + 40)
            assert(enc[1].weight:size(1) == 10 and enc[2].weight:get(1) == 1 and enc[2].bias:get(1) == 0)
            hidden:sum():backward()
            assert(enc[1].weight.grad:get(2, 1) == 0 and enc[1].weight.grad:get(10, 1) ~= 0)
            assert(tostring(enc):find("Embedding%(10, 4%)") and tostring(enc):find("LayerNorm%(%(4,%), eps=1e%-12") and tostring(enc):find("GELU"))
            assert(not pcall(nn.Embedding, 10, 4, {padding_idx = 0}) and not pcall(enc, zoo.tensor({{10}})))

            -- modules
            local net = nn.Sequential(nn.Conv2d(2, 4, {kernel = 3, padding = 1, bias = false}), nn.BatchNorm2d(4), nn.LeakyReLU(0.2))
            net:add(nn.Conv2d(4, 2, {kernel = 4, stride = 2, padding = 1})):add(nn.Sigmoid())
            local seq2 = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4, {momentum = 0.2}), nn.ReLU(), nn.Linear(4, 4, {bias = false}),
                nn.GLU(), nn.Tanh(), nn.LeakyReLU({slope = 0.1}), nn.Upsample and nn.Sigmoid())
            assert(seq2(t):size(2) == 2)
            assert(nn.Upsample({scale = 2})(img):size(3) == 8 and nn.ReLU()(t):numel() == 6)
            assert(net(img):size(3) == 2 and net:forward(img):size(2) == 2)
            assert(net:is_training()); net:evaluate(); assert(not net:is_training()); net:training()
            assert(#net:parameters() == 5 and net:num_parameters() == 72 + 4 + 4 + 128 + 2)
            assert(net:named_parameters()[1][1] == "0.weight" and net:named_buffers()[1][1] == "1.running_mean")
            assert(#net:children() == 5 and net[1]:type() == "Conv2d" and net["1"]:type() == "BatchNorm2d")
            assert(net[2].running_var:numel() == 4 and net[1].weight:size(1) == 4 and net[1].bias == nil)
            local count = 0; net:apply(function(m) count = count + 1 end); assert(count == 6)
            net:zero_grad()
            assert(tostring(net):find("Conv2d%(2, 4"))
            local sd = net:state_dict()
            assert(sd["1.num_batches_tracked"] ~= nil and sd["0.weight"]:size(1) == 4)
            sd["0.weight"] = zoo.zeros(4, 2, 3, 3)
            net:load_state_dict(sd)
            assert(net[1].weight:sum():item() == 0)
            net[1].weight = zoo.ones(4, 2, 3, 3)
            assert(net[1].weight:sum():item() == 72)

            -- Lua-defined modules
            local Scale = nn.define("Scale", {
              init = function(self, n) self.s = nn.Parameter(zoo.ones(n)); self.lin = nn.Linear(n, n); self.note = "hi" end,
              forward = function(self, x) return self.lin(x) * self.s end,
            })
            local sm = Scale(3)
            assert(sm.note == "hi" and #sm:parameters() == 3 and sm:type() == "Scale")
            local wrapped = nn.Sequential(sm, nn.Tanh())
            assert(wrapped(t):size(2) == 3)

            -- optimiser
            local opt = zoo.optim.Adam(sm:parameters(), {lr = 0.1, betas = {0.5, 0.999}})
            local opt2 = zoo.optim.Adam{params = net:parameters(), lr = 0.01}
            assert(close(opt.lr, 0.1) and close(opt2.lr, 0.01))
            opt:zero_grad()
            local before = sm.s:get(1)
            wrapped(t):sum():backward()
            opt:step()
            assert(sm.s:get(1) ~= before)
            opt.lr = 0.5; assert(opt.lr == 0.5)

            -- files
            zoo.save(dir .. "/w.safetensors", {a = t, b = zoo.ones(2)}, {note = "x", n = 3, ok = true})
            local loaded, meta = zoo.load(dir .. "/w.safetensors")
            assert(loaded.a:get(2, 3) == 6 and meta.note == "x" and meta.n == "3" and meta.ok == "true")
            zoo.save(dir .. "/net.safetensors", net)
            assert(zoo.load(dir .. "/net.safetensors")["3.bias"]:numel() == 2)
            local arr = zoo.load_npy(\(npy))
            assert(arr:numel() == 24)
            local image = zoo.rand(3, 8, 6) * 2 - 1
            zoo.image.save(image, dir .. "/i.png")
            local back = zoo.image.load(dir .. "/i.png")
            assert(back:size(2) == 8 and back:size(3) == 6 and close(back:get(1, 1, 1), image:get(1, 1, 1), 1 / 127.5))
            zoo.image.save_grid(zoo.rand(5, 3, 4, 4), dir .. "/g.png", {nrow = 3, padding = 1})
            assert(zoo.image.load(dir .. "/g.png"):size(3) == 3 * 4 + 4 * 1)

            -- process settings and the registry
            zoo.seed(5); local r1 = zoo.randn(3):get(1); zoo.seed(5); assert(zoo.randn(3):get(1) == r1)
            local state = zoo.rng_state(); local a1 = zoo.randn(2):get(2); zoo.set_rng_state(state); assert(zoo.randn(2):get(2) == a1)
            assert(zoo.threads() >= 1 and zoo.threads(1) == 1)
            local found = false
            for _, m in ipairs(zoo.models()) do if m.name == "dcgan" then found = true end end
            assert(found and type(zoo.version) == "string")
            assert(zoo.schema("dcgan")[1].key ~= nil)
            assert(zoo.describe("dcgan/tiny"):find("netG"))
            assert(zoo.entry_description("dcgan/tiny"):find("tiny"))
            assert(not pcall(zoo.config, "dcgan/tyni"))

            -- compiled models, checkpoints and run helpers
            local tiny = zoo.model { model = "tiny-swift" }
            assert(tiny.image_sizes[1] == 4 and tiny.text_dim == nil and tiny.networks.net:type() == "Linear")
            local losses, names = tiny:train_step { x = zoo.randn(2, 3) }
            assert(names[1] == "loss" and losses.loss > 0 and tiny.optimizers.opt.lr == 0.1)
            assert(not pcall(tiny.forward, tiny, "G", {}))
            local imgs, order = tiny:sample { n = 2, seed = 1 }
            assert(order[1] == "img4" and imgs.img4:size(1) == 2)
            tiny:save_checkpoint(dir .. "/tiny.safetensors", {note = "t"})
            local back, meta = zoo.load_checkpoint(dir .. "/tiny.safetensors")
            assert(meta.note == "t" and meta["stackzoo.model"] == "tiny-swift")
            assert((back.networks.net.weight - tiny.networks.net.weight):pow(2):sum():item() == 0)
            back:release_training_state()   -- sampling keeps working (this model samples with every network)
            assert(back:sample { n = 1, seed = 1 }.img4:size(1) == 1)
            zoo.write_checkpoint(dir .. "/any.safetensors", tiny, {step = 3})
            assert(zoo.read_checkpoint(dir .. "/any.safetensors", tiny).step == "3")
            assert(zoo.checkpoint_metadata(dir .. "/any.safetensors")["stackzoo.model"] == "tiny-swift")
            zoo.run.install_interrupt_handler()
            assert(zoo.run.interrupted() == false and type(zoo.run.is_tty()) == "boolean")
            assert(zoo.run.clock() > 0 and zoo.run.peak_rss_mb() > 0)
            zoo.run.check_memory(1000, "a kilobyte")
            local ok, err = pcall(zoo.run.check_memory, 1e18, "an exabyte")
            assert(not ok and err:find("out of memory: requested 1.0 EB for an exabyte", 1, true), err)
            zoo.run.mkdir(dir .. "/a/b")
            zoo.run.write_atomic(dir .. "/a/b/t.txt", "hello")
            assert(zoo.run.exists(dir .. "/a/b/t.txt") and #zoo.run.list_files(dir .. "/a/b", ".txt") == 1)
            zoo.run.remove(dir .. "/a/b/t.txt")
            assert(not zoo.run.exists(dir .. "/a/b/t.txt"))
            zoo.run.write_atomic(dir .. "/a/b/u.txt.tmp.4194302", "left by a killed writer")
            local removed, bytes = zoo.run.remove_stale_temporaries(dir .. "/a/b")
            assert(removed == 1 and bytes == 23 and not zoo.run.exists(dir .. "/a/b/u.txt.tmp.4194302"))
            zoo.run.rename(dir .. "/a/b", dir .. "/a/c")
            assert(zoo.run.exists(dir .. "/a/c") and not zoo.run.exists(dir .. "/a/b"))
            assert(not pcall(zoo.run.rename, dir .. "/a/none", dir .. "/a/d"))
            assert(zoo.deserialize(zoo.serialize({1, 2, x = "y"})).x == "y")
            assert(zoo.config_source((zoo.config("dcgan/tiny-glu"))):find("up_block = function%(cin, cout%)"))
            assert(not pcall(function() return t + {} end))

            -- data (Tests/Fixtures/data/emoji: 6 train images, 16-d float16 embeddings)
            local data = {kind = "captioned", root = \(ZooModule.luaQuote(repositoryRoot + "/Tests/Fixtures/data/emoji"))}
            local ds = zoo.data.open(data, {image_sizes = {32, 64}, batch = 2, seed = 3, threads = 1, prefetch = 2})
            assert(#ds == 3 and tostring(ds):find("6 images"))
            local info = ds:info()
            assert(info.count == 6 and info.text_dim == 16 and info.captions_per_image == 5 and info.splits.test == 2)
            local b = ds:next()
            assert(b["real.64"]:size(1) == 2 and b.real[32]:size(3) == 32 and b.wrong[64]:size(4) == 64)
            assert(b.text:size(2) == 16 and b.images == b.real[64] and #b.ids == 2 and #b.captions == 2)
            assert(b.epoch == 0 and b.index == 0 and b.class_ids[1] ~= nil and b.caption_indices[1][1] >= 1)
            local names = {}
            for k in pairs(b) do names[#names + 1] = k end
            table.sort(names)
            assert(table.concat(names, ",") == "real.32,real.64,text,wrong.32,wrong.64")
            local s = ds:state()
            assert(s.epoch == 0 and s.batch == 1 and s.batch_size == 2)
            local n = 0
            for batch in ds:batches() do n = n + 1 end
            assert(n == 2 and ds:state().epoch == 1)
            ds:set_state(s)
            local again = ds:next()
            assert(again.ids[1] == ds:batch(0, 1).ids[1] and again.text:get(1, 1) == ds:batch(0, 1).text:get(1, 1))
            ds:close()
            local mean, std = ds:text_statistics()
            assert(mean:size(1) == 16 and std:get(1) > 0)
            local mean2 = zoo.data.text_statistics(data)
            assert(mean2:size(1) == 16)
            assert(tiny:text_statistics() == false and not pcall(tiny.set_text_statistics, tiny, mean, std))
            local e, file = zoo.data.caption_embeddings(data, {b.captions[1]})
            assert(e:size(1) == 1 and e:size(2) == 16 and file:find("emb_test.npy$"))
            local report, problems = zoo.data.check(data, {image_size = 64, batch = 2})
            assert(report:find("problems: none") and #problems == 0)
            assert(zoo.data.text_encoder(data) == "test", "emb_test.npy: the tag 'test', no such encoder")
            assert(zoo.text.encoders()[1].tag == "minilm")
            local fa, fb = zoo.randn(20, 3), zoo.randn(20, 3) + 1
            assert(zoo.eval.fid(fa, fb) > 0)
            local kid, kid_std = zoo.eval.kid(fa, fb, { subsets = 2, subset_size = 10, seed = 1 })
            assert(kid_std >= 0)
            local is = zoo.eval.inception_score((zoo.randn(20, 4)):softmax(), { splits = 2 })
            assert(is >= 1)
            if zoo.text.available() then
              assert(zoo.text.encoder():encode({ "a red apple" }):size(2) == 384)
            else
              assert(not pcall(zoo.text.encoder))
            end
            """, name: "@bindings_test.lua")

        var uncalled: [String] = []
        for lib in [TensorBindings.library, NNBindings.library, SupportBindings.library, ModelBindings.library, RunBindings.library, DataBindings.library,
                    TextBindings.library, EvalBindings.library, ZooModule.helpers] {
            for e in lib.entries where LuaFunctions.callCounts[Int(e.id)] == 0 { uncalled.append(e.name) }
        }
        // Encoding needs the encoder's weights (scripts/get_text_encoder.sh); FreeTextTests covers it.
        if !MiniLMFiles.available { uncalled.removeAll { $0 == "text.encode" } }
        XCTAssertEqual(uncalled, [], "bindings never called from Lua")
    }
}
