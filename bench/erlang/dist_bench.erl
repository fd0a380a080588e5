%% The Erlang twin of bench/dist (otp_dist_bench): distribution between two erl nodes on 127.0.0.1.
%%   server: erl -name S -setcookie distbench -noshell -s dist_bench serve
%%   client: erl -name C -setcookie distbench -noshell -pa DIR -eval 'dist_bench:run(S, Reps), halt().'
%% Prints the same lines as otp_dist_bench: ping_rtt (net_adm:ping, µs), call_1 and call_16
%% (gen_server:call({bench_srv, S}, ping), calls/s), nl (a small module loaded on S with its result
%% awaited: rpc:call(S, code, load_binary, ...), which is what nl does without the wait; ms).
-module(dist_bench).
-behaviour(gen_server).
-export([serve/0, run/2]).
-export([init/1, handle_call/3, handle_cast/2]).

serve() -> {ok, _} = gen_server:start({local, bench_srv}, ?MODULE, [], []), io:format("ready~n").

init([]) -> {ok, []}.
handle_call(_, _, S) -> {reply, pong, S}.
handle_cast(_, S) -> {noreply, S}.

now_us() -> erlang:monotonic_time(microsecond).
median(L) -> lists:nth(length(L) div 2 + 1, lists:sort(L)).

calls(_, 0) -> ok;
calls(Server, N) -> pong = gen_server:call(Server, ping), calls(Server, N - 1).

pings(_, 0) -> ok;
pings(Node, N) -> pong = net_adm:ping(Node), pings(Node, N - 1).

small_module() ->
    Forms = [begin {ok, T, _} = erl_scan:string(L), {ok, F} = erl_parse:parse_form(T), F end
             || L <- ["-module(nlbench).", "-export([loop/0]).",
                      "loop() -> receive {P, M} -> P ! M, loop() end."]],
    {ok, nlbench, Bin} = compile:forms(Forms, [binary]),
    Bin.

run(ServerNode, Reps) ->
    pong = net_adm:ping(ServerNode),
    Server = {bench_srv, ServerNode},
    calls(Server, 500),
    Rounds = [begin
                  T0 = now_us(), pings(ServerNode, 5000), Ping = (now_us() - T0) / 5000,
                  T1 = now_us(), calls(Server, 50000), Call1 = 50000 / ((now_us() - T1) / 1.0e6),
                  Self = self(),
                  T2 = now_us(),
                  [spawn(fun() -> calls(Server, 50000 div 16), Self ! done end) || _ <- lists:seq(1, 16)],
                  [receive done -> ok end || _ <- lists:seq(1, 16)],
                  Call16 = 50000 / ((now_us() - T2) / 1.0e6),
                  {Ping, Call1, Call16}
              end || _ <- lists:seq(1, Reps)],
    Bin = small_module(),
    Load = fun() -> {module, nlbench} = rpc:call(ServerNode, code, load_binary, [nlbench, "/tmp/nlbench.beam", Bin]) end,
    [Load() || _ <- lists:seq(1, 10)],
    Nl = [begin T = now_us(), Load(), (now_us() - T) / 1000 end || _ <- lists:seq(1, Reps * 20)],
    io:format("ping_rtt\t~.2f\tus~ncall_1\t~b\tcalls/s~ncall_16\t~b\tcalls/s~nnl\t~.3f\tms~n",
              [median([P || {P, _, _} <- Rounds]), round(median([C || {_, C, _} <- Rounds])),
               round(median([C || {_, _, C} <- Rounds])), median(Nl)]).
