%% dist_peer: the real Erlang node of the interop tests (tests/runtime/dist/interop_test.cpp).
%% Started as `erl -name N -setcookie C -noshell -noinput -s dist_peer start`; prints
%% "ready <node>", then reads lines from stdin, evaluates each as Erlang expressions in one
%% long-lived process (so messages sent to it can be received by later lines) and prints
%% "=> <value>" with ~w. Halts when stdin closes.
%% Also: erl_srv, a gen_server ({echo, X} -> {erl_echo, X}; whoami -> self()), and helpers.
-module(dist_peer).
-behaviour(gen_server).
-export([start/0, start_server/0, waiter/0, watch/2, link_to/2]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2]).

start() ->
    Shell = spawn(fun() -> register(peer_shell, self()), loop(erl_eval:new_bindings()) end),
    io:format("ready ~w~n", [node()]),
    Shell.

loop(Bindings) ->
    case io:get_line(standard_io, '') of
        eof -> erlang:halt(0);
        {error, _} -> erlang:halt(0);
        Line ->
            {Value, NewBindings} =
                try
                    {ok, Tokens, _} = erl_scan:string(Line),
                    {ok, Exprs} = erl_parse:parse_exprs(Tokens),
                    {value, V, B} = erl_eval:exprs(Exprs, Bindings),
                    {V, B}
                catch Class:Reason -> {{Class, Reason}, Bindings}
                end,
            io:format("=> ~w~n", [Value]),
            loop(NewBindings)
    end.

start_server() -> gen_server:start({local, erl_srv}, ?MODULE, [], []).

init([]) -> {ok, #{}}.
handle_call({echo, X}, _From, S) -> {reply, {erl_echo, X}, S};
handle_call(whoami, _From, S) -> {reply, self(), S};
handle_call(ping, _From, S) -> {reply, pong, S}.
handle_cast({tell, Pid, Msg}, S) -> Pid ! Msg, {noreply, S}.
handle_info(_, S) -> {noreply, S}.

%% A process that exits with R when it gets {exit, R}.
waiter() -> spawn(fun() -> receive {exit, R} -> exit(R) end end).

%% A process that monitors Target and sends {watched, DOWN} to ReportTo.
watch(Target, ReportTo) ->
    spawn(fun() ->
                  Ref = erlang:monitor(process, Target),
                  ReportTo ! {watching, Ref},
                  receive {'DOWN', Ref, _, _, _} = D -> ReportTo ! {watched, D} end
          end).

%% A trapping process linked to Target that sends {linked_exit, EXIT} to ReportTo.
link_to(Target, ReportTo) ->
    spawn(fun() ->
                  process_flag(trap_exit, true),
                  link(Target),
                  ReportTo ! {linked, self()},
                  receive {'EXIT', _, _} = E -> ReportTo ! {linked_exit, E} end
          end).
