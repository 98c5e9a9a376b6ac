"""The default stop list: function words and fillers that say nothing about a complaint's category.

Kept deliberately short. Words such as 请问, 投诉 or 举报 are not here: they carry the request type,
and the classifier may still find them useful. Character n-grams never see this list.
"""

_WORDS = """
    的 地 得 了 着 过 是 在 有 和 与 及 或 跟 同 也 都 就 还 又 而 且 并 但 却 则 即 乃
    我 你 您 他 她 它 我们 你们 他们 她们 它们 咱们 大家 自己 本人 人家
    这 那 这个 那个 这些 那些 这里 那里 这样 那样 这么 那么 这种 那种 哪 哪个 哪些 哪里
    之 其 此 该 各 每 某 等 等等 之类
    个 位 件 次 些 点 把 被 给 让 对 对于 关于 从 向 往 到 为 为了 以 以及 用 于 由 自 比
    吗 呢 吧 啊 呀 哦 嗯 哈 啦 嘛 哎 唉 喂 呗 罢了 而已
    一 一个 一下 一些 一直 一般 一样 已经 已 曾 曾经 正在 将 将要 会 能 能够 可 可以 可能 要 想 应该 应当
    因为 所以 但是 可是 然而 虽然 如果 假如 即使 尽管 于是 然后 而且 并且 或者 还是 以及 不过 只是
    很 太 非常 特别 十分 更 最 挺 比较 真的 真是 确实 实在
    什么 怎么 怎样 如何 为何 为什么 多少 几
    就是 还有 没 没有 不 不是 不能 不会 是否 是不是
    请 谢谢 感谢 麻烦 您好 你好 领导 尊敬 尊敬的
"""

DEFAULT_STOPWORDS: frozenset[str] = frozenset(_WORDS.split())
